/**
 * crypto_floor_ms: the physical floor of a first sync of n records, with no network, no JSON and no
 * paging: per record two key unwraps (header and secret key, AES-256-GCM under the user key, as an
 * own or adopted record arrives), two AES-256-GCM decrypts (header and secret part) with
 * @safehold/crypto, and one insert of the row into an encrypted SQLite file
 * (better-sqlite3-multiple-ciphers, ChaCha20 cipher, WAL, synchronous FULL, like the offline store),
 * all in one transaction. Setup (building the ciphertexts) is not timed.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { decrypt, encrypt, randomBytes, randomId, utf8, zero } from '@safehold/crypto';
import { keyWrapAad, partAad } from '@safehold/protocol';
import type { MetricContext, MetricDef, Measured } from '../metric.js';
import { plainRecord } from '../fixtures/records.js';
import { median, nowMs } from '../stats.js';

interface SealedRecord {
  id: string;
  revision: string;
  header: Uint8Array;
  secret: Uint8Array;
  headerKey: Uint8Array;
  secretKey: Uint8Array;
}

const SCHEMA = `CREATE TABLE records (
  id TEXT PRIMARY KEY, db TEXT NOT NULL, revision TEXT NOT NULL, creator TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  masked INTEGER NOT NULL, sealed INTEGER NOT NULL, rights TEXT NOT NULL,
  header BLOB NOT NULL, secret BLOB, header_key BLOB NOT NULL, secret_key BLOB) STRICT`;

function seal(seed: string, n: number, userKey: Uint8Array): SealedRecord[] {
  const out: SealedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const p = plainRecord(seed, i);
    const id = randomId();
    const revision = randomId();
    const hk = randomBytes(32);
    const sk = randomBytes(32);
    out.push({
      id,
      revision,
      header: encrypt(hk, utf8(JSON.stringify(p.header)), partAad(id, 'header', revision)),
      secret: encrypt(sk, utf8(JSON.stringify(p.secret)), partAad(id, 'secret', revision)),
      headerKey: encrypt(userKey, hk, keyWrapAad(id, 'header', 'user:bench')),
      secretKey: encrypt(userKey, sk, keyWrapAad(id, 'secret', 'user:bench')),
    });
    zero(hk, sk);
  }
  return out;
}

/** One timed pass; returns ms. */
export function floorPass(records: SealedRecord[], userKey: Uint8Array, file: string): number {
  for (const p of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(p, { force: true });
  const db = new Database(file);
  try {
    db.pragma(`cipher = 'chacha20'`);
    db.pragma(`key = "x'${Buffer.from(randomBytes(32)).toString('hex')}'"`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    const insert = db.prepare(
      'INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const now = new Date().toISOString();
    const t0 = nowMs();
    db.transaction(() => {
      for (const r of records) {
        const hk = decrypt(userKey, r.headerKey, keyWrapAad(r.id, 'header', 'user:bench'));
        const sk = decrypt(userKey, r.secretKey, keyWrapAad(r.id, 'secret', 'user:bench'));
        const h = decrypt(hk, r.header, partAad(r.id, 'header', r.revision));
        const s = decrypt(sk, r.secret, partAad(r.id, 'secret', r.revision));
        insert.run(r.id, 'bench', r.revision, 'bench', now, now, 'bench', 0, 0, '["export"]', r.header, r.secret, r.headerKey, r.secretKey);
        zero(hk, sk, h, s);
      }
    })();
    return nowMs() - t0;
  } finally {
    db.close();
  }
}

export const cryptoFloor: MetricDef = {
  name: 'crypto_floor_ms',
  unit: 'ms',
  sizes: [1_000, 10_000, 100_000],
  async run(ctx: MetricContext, n: number | null): Promise<Measured> {
    if (n === null) throw new Error('crypto_floor_ms needs n');
    const userKey = randomBytes(32);
    const records = seal(ctx.opts.seed, n, userKey);
    const file = path.join(ctx.tmpDir, `floor-${n}.db`);
    const reps = n >= 100_000 ? ctx.reps(2) : ctx.reps(5);
    const samples: number[] = [];
    for (let i = 0; i < reps; i++) samples.push(floorPass(records, userKey, file));
    for (const p of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(p, { force: true });
    zero(userKey);
    return { value: median(samples), detail: { runs: reps, min: Math.min(...samples), perRecordUs: (median(samples) * 1000) / n } };
  },
};
