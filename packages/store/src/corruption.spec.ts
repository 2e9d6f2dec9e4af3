/**
 * Issue 17: damage found after the open is still an offline state (exit 6), and a damaged key file is
 * told apart from a wrong master password. Both were exit 1 and exit 3 before (the corrupt-files campaign).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OfflineStore, type StoredRecord } from './store.js';
import { offlinePaths } from './layout.js';
import { readSidecar, writeSidecar, SIDECAR_FORMAT } from './sidecar.js';

/** A random key (the store holds no crypto: keys come from the SDK's key service). */
const randomKey = (): Uint8Array => new Uint8Array(randomBytes(32));

const ident = { server: 'https://s.example', db: 'main', user: 'alice', device: 'D'.repeat(22) };

function dirOf(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'safehold-corrupt-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function rec(i: number): StoredRecord {
  const blob = new Uint8Array(1500).fill(i % 251);
  const id = `r${String(i).padStart(5, '0')}`.padEnd(22, '0');
  return { id, db: 'main', revision: 'rev1'.padEnd(22, '0'), creator: 'alice', createdAt: 't', updatedAt: 't', updatedBy: 'alice', masked: false, sealed: false, rights: ['read'], header: blob, secret: blob, headerKey: blob, secretKey: blob };
}

const exit6 = (e: unknown) => (e as { exitCode?: number }).exitCode === 6 && !/[0-9a-f]{64}/.test(String((e as Error).message));

test('a page damaged in the middle of the file: reading it is offline_corrupt (exit 6), not internal', (t) => {
  const dir = dirOf(t);
  const key = randomKey();
  const p = offlinePaths(dir, ident);
  const s = OfflineStore.create(p.file, key, { now: 1 });
  s.applyPage({ records: Array.from({ length: 200 }, (_, i) => rec(i)), removed: [], cursor: 'c', lease: { payload: 'l', signature: 's' }, now: 2 });
  s.close();
  const bytes = readFileSync(p.file);
  // Flip one byte in every page of the second half (the first pages hold the schema, read at open).
  for (let at = Math.floor(bytes.length / 2); at < bytes.length; at += 4096) bytes[at + 100] = (bytes[at + 100] as number) ^ 0x10;
  writeFileSync(p.file, bytes);
  assert.throws(() => {
    const damaged = OfflineStore.open(p.file, key);
    try {
      for (const id of damaged.ids()) damaged.getRecord(id);
      damaged.listRecords();
    } finally {
      damaged.close();
    }
  }, exit6);
});

test('a key file with a damaged wrapped user key reads as damaged (exit 6), not as a wrong password', (t) => {
  const dir = dirOf(t);
  const p = offlinePaths(dir, ident);
  const sc = {
    format: SIDECAR_FORMAT as typeof SIDECAR_FORMAT,
    ...ident,
    kdf: { alg: 'argon2id' as const, memoryKiB: 65536, iterations: 3, parallelism: 1, salt: 'c2FsdHNhbHRzYWx0c2FsdA' },
    userKeyEnc: 'QUJDREVGR0hJSktMTU5PUA',
    signingPublicKey: 'AA',
    // The store only keeps the wrapped file key; any opaque value stands for one here.
    fileKeyEnc: Buffer.from(randomKey()).toString('base64url'),
    createdAt: new Date(0).toISOString(),
  };
  writeSidecar(p.sidecar, sc);
  assert.deepEqual(readSidecar(p.sidecar), sc, 'read back as written, without the checksum');
  const text = readFileSync(p.sidecar, 'utf8');
  writeFileSync(p.sidecar, text.replace('QUJDREVG', 'QUJDREVH'));
  assert.throws(() => readSidecar(p.sidecar), exit6);
  // A key file written before the checksum existed still reads.
  writeFileSync(p.sidecar, JSON.stringify(sc));
  assert.deepEqual(readSidecar(p.sidecar), sc);
});
