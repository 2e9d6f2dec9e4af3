import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, existsSync, writeFileSync, readdirSync, copyFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3-multiple-ciphers';
import { randomBytes } from 'node:crypto';
import { CRASH_CHILD, testSidecar } from '@safehold/testkit/store';
import { OfflineStore, type StoredRecord } from './store.js';
import { NEW_FILE_PAGE_SIZE } from './keyed.js';
import { OfflineStoreError } from './errors.js';
import { offlinePaths } from './layout.js';
import { writeSidecar, type Sidecar } from './sidecar.js';
import { wipeOffline } from './wipe.js';

/** A random 32-byte file key (this package holds no crypto: the key is just bytes to it). */
const randomKey = (): Uint8Array => new Uint8Array(randomBytes(32));

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'safehold-store-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A raw better-sqlite3 connection to an offline file, keyed as the store keys it (for inspecting or rewriting it). */
function rawKeyed(path: string, key: Uint8Array, opts?: Database.Options): Database.Database {
  const d = new Database(path, opts);
  d.pragma(`cipher = 'chacha20'`);
  d.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
  return d;
}

const enc = new TextEncoder();
function rec(id: string, marker: string, extra: Partial<StoredRecord> = {}): StoredRecord {
  return {
    id: id.padEnd(22, '0'),
    db: 'main',
    revision: 'rev1'.padEnd(22, '0'),
    creator: 'alice',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: 'alice',
    masked: false,
    sealed: false,
    rights: ['read', 'export'],
    header: enc.encode(`HEADER-${marker}`),
    secret: enc.encode(`SECRET-${marker}`),
    headerKey: enc.encode(`HKEY-${marker}`),
    secretKey: enc.encode(`SKEY-${marker}`),
    ...extra,
  };
}
const lease = { payload: '{"type":"lease"}', signature: 'sig' };

describe('OfflineStore', () => {
  test('create, apply pages with counts, list, reopen', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const path = join(dir, 'a.sqlite');
    const s = OfflineStore.create(path, key, { now: 1000 });
    assert.equal(s.meta().cursor, '0');
    if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600, 'owner only');
    const r1 = s.applyPage({ records: [rec('a', 'one'), rec('b', 'two')], removed: [], cursor: 'c1', lease, now: 2000 });
    assert.deepEqual(r1, { added: 2, updated: 0, removed: 0 });
    const r2 = s.applyPage({ records: [rec('a', 'one-b')], removed: ['b'.padEnd(22, '0'), 'zz'.padEnd(22, '0')], cursor: 'c2', lease, now: 3000 });
    assert.deepEqual(r2, { added: 0, updated: 1, removed: 1 });
    s.close();
    const s2 = OfflineStore.open(path, key);
    t.after(() => s2.close());
    const m = s2.meta();
    assert.equal(m.cursor, 'c2');
    assert.equal(m.records, 1);
    assert.equal(m.latestTime, 3000);
    assert.equal(m.lastSync, new Date(3000).toISOString());
    assert.deepEqual(m.lease, lease);
    const got = s2.getRecord('a'.padEnd(22, '0'));
    assert.ok(got);
    assert.equal(new TextDecoder().decode(got.header), 'HEADER-one-b');
    assert.deepEqual(got.rights, ['read', 'export']);
    assert.equal(s2.getRecord('b'.padEnd(22, '0')), null);
    const heads = s2.listHeaders();
    assert.equal(heads.length, 1);
    assert.equal('secret' in (heads[0] ?? {}), false, 'a listing never loads secrets');
    assert.deepEqual(s2.revisions(), new Map([['a'.padEnd(22, '0'), 'rev1'.padEnd(22, '0')]]));
  });

  test('a page mixing new and held ids: new rows inserted, held ones replaced in every column, counts right', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const s = OfflineStore.create(join(dir, 'a.sqlite'), key, { now: 1000 });
    t.after(() => s.close());
    s.applyPage({ records: [rec('a', 'one'), rec('b', 'two')], removed: [], cursor: 'c1', lease, now: 2000 });
    // Blobs as views into a larger buffer (as decoded wire bytes are): stored as exactly their bytes.
    const big = enc.encode('xxHEADER-viewyy');
    const view = big.subarray(2, big.length - 2);
    const held = rec('a', 'one-b', { revision: 'rev2'.padEnd(22, '0'), masked: true, rights: ['read'], secret: null, secretKey: null, updatedBy: 'bob' });
    const r = s.applyPage({ records: [held, rec('c', 'three', { header: view }), rec('c', 'three-b')], removed: [], cursor: 'c2', lease, now: 3000 });
    // The second 'c' of the page is an update of the row its first one added.
    assert.deepEqual(r, { added: 1, updated: 2, removed: 0 });
    const a = s.getRecord('a'.padEnd(22, '0'));
    assert.ok(a);
    assert.equal(new TextDecoder().decode(a.header), 'HEADER-one-b');
    assert.equal(a.revision, 'rev2'.padEnd(22, '0'));
    assert.equal(a.masked, true);
    assert.deepEqual(a.rights, ['read']);
    assert.equal(a.secret, null);
    assert.equal(a.secretKey, null);
    assert.equal(a.updatedBy, 'bob');
    assert.equal(new TextDecoder().decode(s.getRecord('c'.padEnd(22, '0'))?.header), 'HEADER-three-b');
    assert.equal(new TextDecoder().decode(s.getRecord('b'.padEnd(22, '0'))?.header), 'HEADER-two');
    s.applyPage({ records: [rec('d', 'four', { header: view })], removed: [], cursor: 'c3', lease, now: 4000 });
    assert.equal(new TextDecoder().decode(s.getRecord('d'.padEnd(22, '0'))?.header), 'HEADER-view');
    assert.equal(s.count(), 4);
  });

  test('the recorded time never moves backwards', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const s = OfflineStore.create(join(dir, 'a.sqlite'), key, { now: 5000 });
    t.after(() => s.close());
    s.recordTime(4000);
    assert.equal(s.meta().latestTime, 5000);
    s.applyPage({ records: [], removed: [], cursor: 'x', lease, now: 4500 });
    assert.equal(s.meta().latestTime, 5000);
    s.recordTime(9000);
    assert.equal(s.meta().latestTime, 9000);
  });

  test('useMeta gives the lease and latest time that meta() gives, with no lease and with one', (t) => {
    const dir = tempDir(t);
    const s = OfflineStore.create(join(dir, 'a.sqlite'), randomKey(), { now: 5000 });
    t.after(() => s.close());
    assert.deepEqual(s.useMeta(), { lease: null, latestTime: 5000 });
    s.applyPage({ records: [rec('a', 'one')], removed: [], cursor: 'c1', lease, now: 7000 });
    const m = s.meta();
    assert.ok(m.lease);
    assert.deepEqual(s.useMeta(), { lease: m.lease, latestTime: m.latestTime });
  });

  test('opening with a wrong key fails with a typed error; a missing file too', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'a.sqlite');
    OfflineStore.create(path, randomKey(), { now: 1 }).close();
    assert.throws(() => OfflineStore.open(path, randomKey()), (e: unknown) => e instanceof OfflineStoreError && e.reason === 'wrong_key' && e.exitCode === 6);
    assert.throws(() => OfflineStore.open(join(dir, 'none.sqlite'), randomKey()), (e: unknown) => e instanceof OfflineStoreError && e.reason === 'missing');
    assert.throws(() => OfflineStore.create(path, randomKey(), { now: 1 }), OfflineStoreError);
  });

  test('cache table: get/set/replace, kept across reopening', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const path = join(dir, 'c.sqlite');
    const s = OfflineStore.create(path, key, { now: 1000 });
    assert.equal(s.getCache('headers'), null);
    s.setCache('headers', enc.encode('first'));
    s.setCache('headers', enc.encode('second'));
    assert.deepEqual(s.getCache('headers'), enc.encode('second'));
    s.close();
    const s2 = OfflineStore.open(path, key);
    t.after(() => s2.close());
    assert.deepEqual(s2.getCache('headers'), enc.encode('second'));
  });

  test('generation and change log: what changed since a cache was written, and a stale cache is not stored', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const path = join(dir, 'g.sqlite');
    const s = OfflineStore.create(path, key, { now: 1000 });
    t.after(() => s.close());
    const A = 'a'.padEnd(22, '0');
    const B = 'b'.padEnd(22, '0');
    const C = 'c'.padEnd(22, '0');
    assert.equal(s.generation(), 0);
    // Without a cache nothing is logged (a first sync of 100k records writes no log), but the generation moves.
    s.applyPage({ records: [rec('a', 'one'), rec('b', 'two')], removed: [], cursor: 'c1', lease, now: 2000 });
    assert.equal(s.generation(), 1);
    assert.deepEqual(s.changedSince(1), []);
    assert.equal(s.changedSince(2), null, 'a cache from ahead of the file is unusable');
    assert.equal(s.changedSince(-1), null);
    assert.equal(s.setCacheAt('headers', enc.encode('at 1'), 1), true);
    // A page that changes nothing (no-change sync) keeps the generation.
    s.applyPage({ records: [], removed: [], cursor: 'c2', lease, now: 3000 });
    assert.equal(s.generation(), 1);
    // With a cache held, every written or removed id is logged under the next generation.
    s.applyPage({ records: [rec('c', 'three')], removed: [B], cursor: 'c3', lease, now: 4000 });
    s.applyPage({ records: [rec('a', 'one again')], removed: [], cursor: 'c4', lease, now: 5000 });
    assert.equal(s.generation(), 3);
    assert.deepEqual(s.changedSince(1)?.sort(), [A, B, C].sort());
    assert.deepEqual(s.changedSince(2), [A]);
    assert.deepEqual(s.changedSince(3), []);
    // A cache computed at generation 2 is refused once generation 3 exists: the old one stays.
    assert.equal(s.setCacheAt('headers', enc.encode('at 2'), 2), false);
    assert.deepEqual(s.getCache('headers'), enc.encode('at 1'));
    assert.deepEqual(s.changedSince(1)?.sort(), [A, B, C].sort());
    // A current one is stored and prunes the log it no longer needs.
    assert.equal(s.setCacheAt('headers', enc.encode('at 3'), 3), true);
    assert.deepEqual(s.getCache('headers'), enc.encode('at 3'));
    const logged = s['conn'].prepare('SELECT count(*) FROM changes').pluck().get();
    assert.equal(logged, 0);
    // A log that outgrows the records (months of syncs, no unlock) is dropped with the caches it serves.
    const gone = Array.from({ length: 1003 }, (_, i) => `gone${String(i).padStart(18, '0')}`);
    s.applyPage({ records: [], removed: gone.slice(0, 500), cursor: 'c5', lease, now: 6000 });
    assert.deepEqual(s.getCache('headers'), enc.encode('at 3'));
    assert.equal(s.changedSince(3)?.length, 500);
    s.applyPage({ records: [], removed: gone.slice(500), cursor: 'c6', lease, now: 7000 });
    assert.equal(s.getCache('headers'), null);
    assert.deepEqual(s.changedSince(3), []);
    assert.equal(s.generation(), 5);
  });

  test('a cache stored with its parts: dropped by default, kept and added to when told, all or nothing', (t) => {
    const dir = tempDir(t);
    const s = OfflineStore.create(join(dir, 'p.sqlite'), randomKey(), { now: 1000 });
    t.after(() => s.close());
    s.applyPage({ records: [rec('a', 'one')], removed: [], cursor: 'c1', lease, now: 2000 });
    const keys = (): string[] => (s['conn'].prepare('SELECT k FROM cache ORDER BY k').pluck().all() as string[]);
    assert.equal(s.setCacheAt('headers', enc.encode('i1'), 1, { keep: false, add: [['headers/1', enc.encode('p1')]] }), true);
    assert.deepEqual(keys(), ['headers', 'headers/1']);
    // Extended: the stored part stays as it is, one is added, the index replaced.
    assert.equal(s.setCacheAt('headers', enc.encode('i2'), 1, { keep: true, add: [['headers/2', enc.encode('p2')]] }), true);
    assert.deepEqual(keys(), ['headers', 'headers/1', 'headers/2']);
    assert.deepEqual([s.getCache('headers'), s.getCache('headers/1'), s.getCache('headers/2')], [enc.encode('i2'), enc.encode('p1'), enc.encode('p2')]);
    // A page landed since: nothing of it is stored, neither the index nor the part.
    s.applyPage({ records: [rec('b', 'two')], removed: [], cursor: 'c2', lease, now: 3000 });
    assert.equal(s.setCacheAt('headers', enc.encode('i3'), 1, { keep: true, add: [['headers/3', enc.encode('p3')]] }), false);
    assert.deepEqual(keys(), ['headers', 'headers/1', 'headers/2']);
    assert.deepEqual(s.getCache('headers'), enc.encode('i2'));
    // A part of another cache is a programming error, refused before anything is written.
    assert.throws(() => s.setCacheAt('headers', enc.encode('i4'), 2, { keep: true, add: [['other/1', enc.encode('x')]] }), /not a part of headers/);
    assert.deepEqual(s.getCache('headers'), enc.encode('i2'));
    // Stored again without parts: the parts go.
    assert.equal(s.setCacheAt('headers', enc.encode('i5'), 2), true);
    assert.deepEqual(keys(), ['headers']);
  });

  test('a file written before the cache table existed opens, gains the table and keeps its records', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const path = join(dir, 'old.sqlite');
    const s = OfflineStore.create(path, key, { now: 1000 });
    s.applyPage({ records: [rec('a', 'one')], removed: [], cursor: 'c1', lease, now: 2000 });
    s.close();
    const raw = rawKeyed(path, key);
    raw.exec('DROP TABLE cache');
    raw.close();
    const s2 = OfflineStore.open(path, key);
    t.after(() => s2.close());
    assert.equal(s2.count(), 1);
    assert.equal(s2.getCache('headers'), null);
    s2.setCache('headers', enc.encode('v'));
    assert.deepEqual(s2.getCache('headers'), enc.encode('v'));
  });

  test('a new file has 16 KiB pages; a file made with 4 KiB pages keeps them, opens and takes pages', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const pageSize = (path: string): number => {
      const raw = rawKeyed(path, key, { readonly: true, fileMustExist: true });
      try {
        return Number(raw.pragma('page_size', { simple: true }));
      } finally {
        raw.close();
      }
    };
    const fresh = join(dir, 'new.sqlite');
    const s = OfflineStore.create(fresh, key, { now: 1 });
    // Rows larger than one 4 KiB page, as a header cache part is.
    const big = rec('big', 'x'.repeat(20_000));
    s.applyPage({ records: [big], removed: [], cursor: 'c1', lease, now: 2 });
    s.setCache('headers/1', new Uint8Array(50_000).fill(7));
    s.close();
    assert.equal(pageSize(fresh), NEW_FILE_PAGE_SIZE);
    assert.equal(NEW_FILE_PAGE_SIZE, 16_384);
    const again = OfflineStore.open(fresh, key);
    assert.deepEqual(again.getRecord(big.id)?.header, big.header);
    assert.deepEqual(again.getCache('headers/1'), new Uint8Array(50_000).fill(7));
    again.close();

    // A file of an earlier build, with SQLite's default 4 KiB pages: a new file's schema and rows copied into one.
    const old = join(dir, 'old.sqlite');
    const src = join(dir, 'src.sqlite');
    const s0 = OfflineStore.create(src, key, { now: 1 });
    s0.applyPage({ records: [rec('a', 'one')], removed: [], cursor: 'c1', lease, now: 2 });
    s0.close();
    const from = rawKeyed(src, key, { readonly: true });
    const to = rawKeyed(old, key);
    to.pragma('page_size = 4096');
    to.pragma('journal_mode = WAL');
    const objects = from.prepare(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC`).all() as Array<{ type: string; name: string; sql: string }>;
    to.transaction(() => {
      for (const o of objects) to.exec(o.sql);
      for (const o of objects.filter((x) => x.type === 'table')) {
        for (const row of from.prepare(`SELECT * FROM "${o.name}"`).raw().all() as unknown[][]) {
          to.prepare(`INSERT INTO "${o.name}" VALUES (${row.map(() => '?').join(', ')})`).run(...row);
        }
      }
    })();
    from.close();
    to.close();
    assert.equal(pageSize(old), 4096);
    const s1 = OfflineStore.open(old, key);
    s1.applyPage({ records: [big], removed: [], cursor: 'c2', lease, now: 3 });
    s1.close();
    const s2 = OfflineStore.open(old, key);
    t.after(() => s2.close());
    assert.equal(s2.count(), 2);
    assert.deepEqual(s2.getRecord(big.id)?.header, big.header);
    assert.equal(pageSize(old), 4096, 'an existing file keeps its page size');
  });

  test('R12 (file layer): the raw file and its WAL contain none of the stored bytes in clear', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const path = join(dir, 'a.sqlite');
    const s = OfflineStore.create(path, key, { now: 1 });
    const markers = ['kitchen-router-admin', 'bob@example.org', 'https://intranet.example', 'Tr0ub4dor&3'];
    s.applyPage({ records: markers.map((m, i) => rec(`id${i}`, m)), removed: [], cursor: 'c', lease, now: 2 });
    // Inspect while still open, so that the -wal holds the page too.
    const files = readdirSync(dir).filter((f) => f.startsWith('a.sqlite'));
    assert.ok(files.includes('a.sqlite-wal'), 'the WAL is checked as well');
    for (const f of files) {
      const raw = readFileSync(join(dir, f));
      for (const m of [...markers, 'HEADER-', 'SECRET-', 'CREATE TABLE', 'alice']) assert.equal(raw.includes(m), false, `${m} found in ${f}`);
    }
    s.close();
    const raw = readFileSync(path);
    for (const m of markers) assert.equal(raw.includes(m), false);
    assert.equal(raw.subarray(0, 15).toString('latin1') === 'SQLite format 3', false, 'not a plain SQLite header');
  });

  test('a rebuild is swapped in atomically, and a stale WAL of the old file is never replayed onto it', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const path = join(dir, 'a.sqlite');
    const s = OfflineStore.create(path, key, { now: 1 });
    s.applyPage({ records: [rec('old', 'old')], removed: [], cursor: 'c-old', lease, now: 2 });
    // Simulate a crash of the old file: keep a copy of its WAL with a committed page.
    copyFileSync(`${path}-wal`, join(dir, 'saved-wal'));
    s.close();
    copyFileSync(join(dir, 'saved-wal'), `${path}-wal`);
    const b = OfflineStore.build(join(dir, 'a.rebuild.sqlite'), key, { now: 3 });
    b.applyPage({ records: [rec('new', 'new')], removed: [], cursor: 'c-new', lease, now: 4 });
    // Before the swap the old file is intact.
    const before = OfflineStore.open(path, key);
    assert.deepEqual(before.ids(), ['old'.padEnd(22, '0')]);
    before.close();
    b.commitTo(path);
    assert.equal(existsSync(join(dir, 'a.rebuild.sqlite')), false);
    const after = OfflineStore.open(path, key);
    t.after(() => after.close());
    assert.deepEqual(after.ids(), ['new'.padEnd(22, '0')]);
    assert.equal(after.meta().cursor, 'c-new');
    assert.equal(after.integrityCheck(), 'ok');
  });

  /** Runs the crash child on `path` and kills it -9 once it has committed at least 5 pages; returns the pages it printed. */
  function killMidApply(path: string, key: Uint8Array, perPage: number, build: boolean): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const args = [CRASH_CHILD, path, Buffer.from(key).toString('hex'), String(perPage), ...(build ? ['build'] : [])];
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let seen = 0;
      let buf = '';
      p.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        seen += lines.length;
        // Kill while the child is in the middle of later pages: some page is always being applied.
        if (seen >= 5 && !p.killed) p.kill('SIGKILL');
      });
      p.on('error', reject);
      p.on('exit', () => resolve(seen));
    });
  }

  /** What survives a kill: a whole number of pages, with the cursor and lease of the last one. Returns the pages. */
  function assertWholePages(s: OfflineStore, perPage: number): number {
    assert.equal(s.integrityCheck(), 'ok');
    const m = s.meta();
    const pages = Number(m.cursor);
    assert.ok(pages >= 5, `at least the acknowledged pages survive (cursor ${m.cursor})`);
    assert.equal(m.records, pages * perPage, 'records and cursor were committed together');
    assert.equal(m.lease?.payload, `lease-${pages}`);
    return pages;
  }

  test('crash consistency: kill -9 mid-apply, reopen: a whole number of pages, cursor matching; resume', async (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const path = join(dir, 'a.sqlite');
    OfflineStore.create(path, key, { now: 1 }).close();
    const perPage = 300;
    assert.ok((await killMidApply(path, key, perPage, false)) >= 5);
    const s = OfflineStore.open(path, key);
    t.after(() => s.close());
    const pages = assertWholePages(s, perPage);
    // Resume: the next page continues from the stored cursor.
    const next = pages + 1;
    s.applyPage({ records: [rec(`resume${next}`, 'x')], removed: [], cursor: String(next), lease, now: 10 });
    assert.equal(s.meta().records, pages * perPage + 1);
  });

  test('a rebuild has a rollback journal, not a WAL; once swapped in, the file is in WAL mode and nothing is left beside either', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const buildPath = join(dir, 'a.rebuild.sqlite');
    const path = join(dir, 'a.sqlite');
    const b = OfflineStore.build(buildPath, key, { now: 1 });
    b.applyPage({ records: [rec('a', 'one'), rec('b', 'two')], removed: [], cursor: 'c1', lease, now: 2 });
    assert.equal(existsSync(`${buildPath}-wal`), false, 'no WAL beside a rebuild');
    b.commitTo(path);
    assert.deepEqual(readdirSync(dir), ['a.sqlite'], 'no -journal of the rebuild, no -wal or -shm of the target');
    const s = OfflineStore.open(path, key);
    s.applyPage({ records: [rec('c', 'three')], removed: [], cursor: 'c2', lease, now: 3 });
    assert.equal(existsSync(`${path}-wal`), true, 'the swapped-in file writes through its WAL');
    s.close();
    const raw = rawKeyed(path, key, { readonly: true });
    t.after(() => raw.close());
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  });

  test('R12 (file layer): a rebuild\'s rollback journal holds none of the stored bytes in clear', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const buildPath = join(dir, 'a.rebuild.sqlite');
    const markers = ['kitchen-router-admin', 'bob@example.org', 'https://intranet.example', 'Tr0ub4dor&3'];
    const b = OfflineStore.build(buildPath, key, { now: 1 });
    t.after(() => b.close());
    b.applyPage({ records: markers.map((m, i) => rec(`id${i}`, m)), removed: [], cursor: 'c1', lease, now: 2 });
    // A second page replaces those rows: the journal keeps the first page's images of them while its transaction is open.
    let journal: Buffer | null = null;
    b.applyPage({
      records: markers.map((m, i) => rec(`id${i}`, `${m}-2`)),
      removed: [],
      cursor: 'c2',
      lease,
      now: 3,
      cache: () => {
        journal = readFileSync(`${buildPath}-journal`);
        return [];
      },
    });
    const held = journal as Buffer | null;
    assert.ok(held !== null && held.length > 0, 'the journal was read inside the transaction');
    for (const f of [held, readFileSync(buildPath)]) {
      for (const m of [...markers, 'HEADER-', 'SECRET-', 'CREATE TABLE', 'alice']) assert.equal(f.includes(m), false, `${m} found`);
    }
  });

  test('crash consistency of a rebuild: kill -9 mid-apply, reopen as a rebuild: whole pages (the hot journal rolled back); resume and swap in', async (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const buildPath = join(dir, 'a.rebuild.sqlite');
    const path = join(dir, 'a.sqlite');
    OfflineStore.build(buildPath, key, { now: 1 }).close();
    const perPage = 300;
    assert.ok((await killMidApply(buildPath, key, perPage, true)) >= 5);
    const b = OfflineStore.open(buildPath, key, { build: true });
    const pages = assertWholePages(b, perPage);
    b.applyPage({ records: [rec('resumed', 'x')], removed: [], cursor: String(pages + 1), lease, now: 10 });
    b.commitTo(path);
    assert.deepEqual(readdirSync(dir), ['a.sqlite']);
    const s = OfflineStore.open(path, key);
    t.after(() => s.close());
    assert.equal(s.integrityCheck(), 'ok');
    assert.equal(s.meta().records, pages * perPage + 1);
  });
});

describe('sidecar and wipe', () => {
  const ident = { server: 'http://127.0.0.1:1', db: 'main', user: 'alice', device: 'd'.repeat(22) };
  // The wrapped file key is opaque to this package (the SDK key service wraps it): random bytes stand for it.
  function sidecar(): Sidecar {
    return testSidecar(ident, Buffer.from(randomBytes(60)).toString('base64url'));
  }

  test('wipe destroys the wrapped key first, deletes the file, -wal, -shm, leaves a tombstone without secrets', (t) => {
    const dir = tempDir(t);
    const fileKey = randomKey();
    const p = offlinePaths(dir, ident);
    const sc = sidecar();
    writeSidecar(p.sidecar, sc);
    const s = OfflineStore.create(p.file, fileKey, { now: 1 });
    s.applyPage({ records: [rec('a', 'a')], removed: [], cursor: 'c', lease, now: 2 });
    // Leave -wal and -shm behind as after a crash.
    const walCopy = readFileSync(`${p.file}-wal`);
    s.close();
    writeFileSync(`${p.file}-wal`, walCopy);
    writeFileSync(`${p.file}-shm`, 'x');
    wipeOffline(p, { ...ident, reason: 'device_revoked', wipedAt: new Date(5).toISOString() });
    for (const f of [p.sidecar, p.file, `${p.file}-wal`, `${p.file}-shm`]) assert.equal(existsSync(f), false, f);
    const tomb = readFileSync(p.tombstone, 'utf8');
    assert.match(tomb, /device_revoked/);
    assert.equal(tomb.includes(sc.fileKeyEnc), false);
    assert.deepEqual(readdirSync(dir).sort(), [`${p.base}.wiped.json`]);
    // Idempotent.
    wipeOffline(p, null);
  });

  test('paths differ for each of server, db, user, device (R7)', () => {
    const a = offlinePaths('/x', ident).file;
    for (const k of ['server', 'db', 'user', 'device'] as const) {
      assert.notEqual(offlinePaths('/x', { ...ident, [k]: `${ident[k]}2` }).file, a, k);
    }
  });
});
