import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OfflineDatabase } from './database.js';
import { OfflineStore } from './store.js';
import type { Sidecar } from './sidecar.js';
import { testSidecar } from '@safehold/testkit/store';

const ident = { server: 'http://127.0.0.1:1', db: 'main', user: 'alice', device: 'd'.repeat(22) };

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'safehold-database-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function sidecarOf(id: typeof ident): Sidecar {
  // Opaque to storage: random bytes stand for the wrapped file key.
  return testSidecar(id, Buffer.from(randomBytes(60)).toString('base64url'));
}

test('an offline database exists only with its file and a readable sidecar; open, status and wipe go through it', (t) => {
  const dir = tempDir(t);
  const d = new OfflineDatabase(dir, ident);
  assert.equal(d.exists(), false);
  d.writeSidecar(sidecarOf(ident));
  assert.equal(d.exists(), false, 'a sidecar alone is no database');
  const fileKey = new Uint8Array(randomBytes(32));
  OfflineStore.create(d.paths.file, fileKey, { now: 1 }).close();
  assert.equal(d.exists(), true);
  assert.equal(d.open(fileKey).count(), 0);
  assert.throws(() => d.open(new Uint8Array(randomBytes(32))), (e: unknown) => (e as { reason?: string }).reason === 'wrong_key');
  d.writeStatus({ records: 3 });
  assert.deepEqual(d.status<{ records: number }>(), { records: 3 });
  d.wipe({ ...ident, reason: 'removed', wipedAt: new Date(2).toISOString() });
  assert.equal(d.exists(), false);
  assert.equal(existsSync(d.paths.sidecar), false);
  assert.equal(d.tombstone()?.reason, 'removed');
  assert.deepEqual(readdirSync(dir), [`${d.paths.base}.wiped.json`]);
});

test('scan finds the sidecars that match, skips or throws on a damaged one as asked', (t) => {
  const dir = tempDir(t);
  for (const db of ['a', 'b']) new OfflineDatabase(dir, { ...ident, db }).writeSidecar(sidecarOf({ ...ident, db }));
  new OfflineDatabase(dir, { ...ident, user: 'bob' }).writeSidecar(sidecarOf({ ...ident, user: 'bob' }));
  assert.deepEqual(OfflineDatabase.scan(dir, (sc) => sc.user === 'alice').map((x) => x.sidecar.db).sort(), ['a', 'b']);
  assert.equal(OfflineDatabase.scan(dir, (sc) => sc.user === 'alice')[0]?.database.paths.dir, dir);
  writeFileSync(join(dir, 'broken.key.json'), '{not json');
  assert.equal(OfflineDatabase.scan(dir, () => true, 'skip').length, 3);
  assert.throws(() => OfflineDatabase.scan(dir, () => true), (e: unknown) => (e as { code?: string }).code === 'offline_corrupt');
  assert.deepEqual(OfflineDatabase.scan(join(dir, 'absent'), () => true), []);
});
