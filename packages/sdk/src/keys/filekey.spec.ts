import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomKey } from '@safehold/crypto';
import { offlinePaths, readSidecar, writeSidecar, type Sidecar } from '@safehold/store';
import { testSidecar } from '@safehold/testkit/store';
import { unwrapFileKey, wrapFileKey } from './filekey.js';

const ident = { server: 'http://127.0.0.1:1', db: 'main', user: 'alice', device: 'd'.repeat(22) };

function sidecar(userKey: Uint8Array, fileKey: Uint8Array): Sidecar {
  return testSidecar(ident, wrapFileKey(userKey, fileKey, ident, 'AA'));
}

test('the file key is wrapped by the user key; a wrong user key is bad_credentials (exit 3)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'safehold-filekey-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const userKey = randomKey();
  const fileKey = randomKey();
  const p = offlinePaths(dir, ident);
  writeSidecar(p.sidecar, sidecar(userKey, fileKey));
  const sc = readSidecar(p.sidecar);
  assert.ok(sc);
  assert.deepEqual(unwrapFileKey(userKey, sc), fileKey);
  assert.throws(() => unwrapFileKey(randomKey(), sc), (e: unknown) => (e as { exitCode?: number }).exitCode === 3);
  // Bound to its identity: the same blob under another db name does not open.
  assert.throws(() => unwrapFileKey(userKey, { ...sc, db: 'other' }));
  // And to the pinned server key: a sidecar edited to pin another key does not open.
  assert.throws(() => unwrapFileKey(userKey, { ...sc, signingPublicKey: 'AB' }));
  assert.equal(readSidecar(join(dir, 'absent.json')), null);
});
