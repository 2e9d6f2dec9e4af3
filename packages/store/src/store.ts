/**
 * The offline database file: SQLite encrypted as a whole by SQLite3MultipleCiphers (ChaCha20-Poly1305,
 * keyed with a random 32-byte file key), holding records that are still end-to-end ciphertext with
 * their keys wrapped under the user key. This class knows nothing of record crypto: it stores blobs.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { durableRename, fsyncDir, fsyncFile, removeIfExists, sqliteFiles } from './fsutil.js';
import { OfflineStoreError } from './errors.js';
import { guardCorruption } from './corruption.js';
import { LOCAL_SCHEMA, copyLocal, insertConflict, insertOutbox, readConflicts, readOutbox, type ConflictEntry, type OutboxEntry } from './local.js';
import { openKeyed, type SqliteHandle } from './keyed.js';
import { HEADER_COLUMNS, INSERT_NEW_SQL, SCHEMA, UPSERT_SQL, rowValues, rowToListed, rowToRecord, u8, type RecordRow, type StoredRecord } from './records.js';
import { CACHE_SCHEMA, CHANGES_SCHEMA, changedSince, generationOf, hasCacheTables, noteChanges, putCache, putCacheAt, type CacheParts } from './cachelog.js';

export type { StoredRecord } from './records.js';

export const STORE_FORMAT = 'safehold-offline/1';

/** A signed document as the server sent it (lease). */
export interface SignedDoc {
  payload: string;
  signature: string;
}

export interface StoreMeta {
  format: string;
  createdAt: string;
  cursor: string;
  lease: SignedDoc | null;
  /** Latest clock reading (ms) recorded at a successful sync or offline unlock (E1: clock moved back). */
  latestTime: number;
  lastSync: string | null;
  records: number;
}

export interface PageInput {
  records: StoredRecord[];
  removed: string[];
  cursor: string;
  lease: SignedDoc;
  /** Clock reading (ms) of this sync. */
  now: number;
  /**
   * Cache values to store in the same transaction, given the records' generation once this page is
   * applied (a client cache written by the sync itself: see cachelog.ts for the `k/part` convention).
   */
  cache?: (generation: number) => ReadonlyArray<readonly [string, Uint8Array]>;
}

export interface PageResult {
  added: number;
  updated: number;
  removed: number;
}

/**
 * A rebuild (first sync, reset) is written with a rollback journal, not the WAL of the user's copy (ADR 0144,
 * session 10): each page of rows goes into the file once, where the WAL wrote it twice (into the WAL, then into
 * the file at each checkpoint and at commitTo()'s closing one: 130 ms of a 10k first sync's 600 here). The file
 * has one connection and no reader until commitTo() syncs and renames it, so WAL's concurrency buys it nothing.
 * Each page's rows, cursor and cache part still commit in one transaction under `synchronous = FULL`: a crash or
 * a power loss leaves the rebuild at a page boundary (a hot journal is rolled back when it is opened again),
 * and the resumed rebuild asks again from its last committed cursor. The file opened after the swap is in WAL mode.
 */
function openRebuild(path: string, fileKey: Uint8Array, mustExist: boolean): SqliteHandle {
  const db = openKeyed(path, fileKey, mustExist, 'rollback');
  try {
    // The driver's default page cache is 16 MiB (better-sqlite3 builds SQLite with SQLITE_DEFAULT_CACHE_SIZE=-16000);
    // a rebuild writes each page once and commits it, so a 2 MiB cache is enough and 14 MiB less of the client's
    // peak memory (ADR 0144, session 9). The finished file is opened again with the default for reading.
    db.pragma(`cache_size = -${BUILD_CACHE_KIB}`);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** The rebuild connection's page cache, KiB (SQLite's own default; the driver's is 16,000). */
const BUILD_CACHE_KIB = 2000;

/** The lease and the latest recorded clock reading of the meta rows. */
function useMetaOf(m: Map<string, string>): Pick<StoreMeta, 'lease' | 'latestTime'> {
  const lease = m.get('lease');
  return { lease: lease ? (JSON.parse(lease) as SignedDoc) : null, latestTime: Number(m.get('latest_time') ?? '0') };
}

/** One open offline database file. */
export class OfflineStore {
  readonly path: string;
  private db: SqliteHandle | null;
  /** Both the cache and the change-log tables exist (fixed at open: a read-only file may lack them). */
  private readonly logReady: boolean;

  private constructor(path: string, db: SqliteHandle) {
    this.path = path;
    this.db = guardCorruption(db);
    this.logReady = hasCacheTables(db);
  }

  /**
   * Creates a new offline file at `path` atomically: it is built in a temp file beside it, closed,
   * fsynced and renamed, so `path` either does not exist or is a complete, keyed, initialised file.
   * Fails if `path` exists.
   */
  static create(path: string, fileKey: Uint8Array, opts: { now: number; cursor?: string }): OfflineStore {
    if (existsSync(path)) throw new OfflineStoreError('corrupt', 'an offline database file already exists there');
    const tmp = OfflineStore.build(`${path}.tmp-${randomBytes(6).toString('hex')}`, fileKey, opts);
    tmp.commitTo(path);
    return OfflineStore.open(path, fileKey);
  }

  /** Builds a fresh, initialised file at `buildPath` (for create and reset); call commitTo() to swap it in. */
  static build(buildPath: string, fileKey: Uint8Array, opts: { now: number; cursor?: string }): OfflineStore {
    mkdirSync(dirname(buildPath), { recursive: true, mode: 0o700 });
    for (const p of sqliteFiles(buildPath)) removeIfExists(p);
    const db = openRebuild(buildPath, fileKey, false);
    try {
      // Owner only, like the rest of the home (SQLite gives its -wal/-shm the same mode).
      chmodSync(buildPath, 0o600);
      // Schema and first meta rows in one transaction: one commit, not five.
      db.transaction(() => {
        db.exec(SCHEMA);
        db.exec(CACHE_SCHEMA);
        db.exec(CHANGES_SCHEMA);
        db.exec(LOCAL_SCHEMA);
        const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        put.run('format', STORE_FORMAT);
        put.run('created_at', new Date(opts.now).toISOString());
        put.run('cursor', opts.cursor ?? '0');
        put.run('latest_time', String(opts.now));
      })();
    } catch (e) {
      db.close();
      throw e;
    }
    return new OfflineStore(buildPath, db);
  }

  /**
   * Opens an existing file; a wrong key or a damaged file throws OfflineStoreError. `build`: the file is an
   * unfinished rebuild being resumed, written as a rebuild is (see openRebuild).
   */
  static open(path: string, fileKey: Uint8Array, opts: { build?: boolean } = {}): OfflineStore {
    if (!existsSync(path)) throw new OfflineStoreError('missing', 'no offline database file');
    const db = opts.build === true ? openRebuild(path, fileKey, true) : openKeyed(path, fileKey, true);
    try {
      const fmt = db.prepare(`SELECT value FROM meta WHERE key = 'format'`).pluck().get();
      if (fmt !== STORE_FORMAT) throw new OfflineStoreError('corrupt', 'not a Safehold offline database');
    } catch (e) {
      db.close();
      if (e instanceof OfflineStoreError) throw e;
      throw new OfflineStoreError('corrupt', 'the offline database is damaged', { cause: e });
    }
    try {
      db.exec(CACHE_SCHEMA);
      db.exec(CHANGES_SCHEMA);
      db.exec(LOCAL_SCHEMA);
    } catch {
      // A file we cannot write (read-only medium) still opens: getCache() then finds nothing and setCache() fails.
    }
    return new OfflineStore(path, db);
  }

  private get conn(): SqliteHandle {
    if (!this.db) throw new OfflineStoreError('corrupt', 'the offline database is closed');
    return this.db;
  }

  /**
   * Closes this (build) file and atomically puts it at `target`, replacing any file there.
   * The target's stale -wal/-shm/-journal are removed first, so they can never be replayed onto the new file.
   */
  commitTo(target: string): void {
    const from = this.path;
    // Every commit was already synced (every connection is `synchronous = FULL`, openKeyed); a file in WAL mode
    // is checkpointed into itself at close.
    this.close();
    // A rollback journal is empty after a clean close (TRUNCATE): nothing of the build is left beside it.
    removeIfExists(`${from}-journal`);
    fsyncFile(from);
    for (const p of sqliteFiles(target).slice(1)) removeIfExists(p);
    durableRename(from, target);
    fsyncDir(dirname(target));
  }

  /** Reads the meta table. */
  meta(): StoreMeta {
    const rows = this.conn.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>;
    const m = new Map(rows.map((r) => [r.key, r.value]));
    return {
      format: m.get('format') ?? '',
      createdAt: m.get('created_at') ?? '',
      cursor: m.get('cursor') ?? '0',
      ...useMetaOf(m),
      lastSync: m.get('last_sync') ?? null,
      records: this.count(),
    };
  }

  /** What an unlock checks: the lease and the latest recorded clock reading (meta() also counts every record). */
  useMeta(): Pick<StoreMeta, 'lease' | 'latestTime'> {
    const rows = this.conn.prepare(`SELECT key, value FROM meta WHERE key IN ('lease', 'latest_time')`).all() as Array<{ key: string; value: string }>;
    return useMetaOf(new Map(rows.map((r) => [r.key, r.value])));
  }

  /** Number of records held. */
  count(): number {
    return Number(this.conn.prepare('SELECT count(*) FROM records').pluck().get());
  }

  /**
   * Applies one sync page in ONE transaction that also stores the cursor, the lease, the sync time
   * and the latest recorded clock reading: after a crash the file holds either all of it or none.
   */
  applyPage(page: PageInput): PageResult {
    const db = this.conn;
    const insertNew = db.prepare(INSERT_NEW_SQL);
    const upsert = this.upsertStatement();
    const del = db.prepare('DELETE FROM records WHERE id = ?');
    const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const getLatest = db.prepare(`SELECT value FROM meta WHERE key = 'latest_time'`).pluck();
    return db.transaction((): PageResult => {
      const res: PageResult = { added: 0, updated: 0, removed: 0 };
      for (const r of page.records) {
        // A first sync's or a rebuild's rows are all new: one insert each, with no lookup before it; an id
        // already held (a delta's update) makes the insert do nothing, and only then is the row upserted.
        const values = rowValues(r);
        if (insertNew.run(...values).changes === 1) {
          res.added++;
        } else {
          upsert.run(...values);
          res.updated++;
        }
      }
      for (const id of page.removed) res.removed += del.run(id).changes;
      if (page.records.length > 0 || page.removed.length > 0) this.noteChanges([...page.records.map((r) => r.id), ...page.removed]);
      if (page.cache) for (const [k, v] of page.cache(this.generation())) putCache(db, k, v);
      setMeta.run('cursor', page.cursor);
      setMeta.run('lease', JSON.stringify({ payload: page.lease.payload, signature: page.lease.signature }));
      setMeta.run('last_sync', new Date(page.now).toISOString());
      const latest = Math.max(Number(getLatest.get() ?? '0'), page.now);
      setMeta.run('latest_time', String(latest));
      return res;
    })();
  }

  private upsertStatement(): Database.Statement {
    return this.conn.prepare(UPSERT_SQL);
  }

  /** Inside a writing transaction: the next generation, and the change log while a cache is held. */
  private noteChanges(ids: readonly string[]): void {
    noteChanges(this.conn, this.logReady, ids);
  }

  /** The records' generation: 0 for a new file, one more for each applied page that changed records. */
  generation(): number {
    return generationOf(this.conn);
  }

  /**
   * Ids of records written or removed after generation `g` (distinct; they may since be gone), or null
   * when the log cannot tell (g ahead of the file: a cache from elsewhere).
   */
  changedSince(g: number): string[] | null {
    return changedSince(this.conn, this.logReady, g);
  }

  /**
   * Stores a cache value that is current as of generation `g`, only if no page was applied since
   * (checked in the same transaction), and prunes the change log up to g. False when the records moved
   * on meanwhile or the file cannot be written: the caller's cache is then simply not kept. Its parts `k/…`
   * are dropped, or with `parts` kept and/or added to, in the same transaction.
   */
  setCacheAt(k: string, v: Uint8Array, g: number, parts?: CacheParts): boolean {
    const db = this.conn;
    try {
      return putCacheAt(db, k, v, g, parts);
    } catch (e) {
      // Damage is reported; so is a caller's mistake (a TypeError: a part of another cache, a value of the wrong type).
      if (e instanceof OfflineStoreError || e instanceof TypeError) throw e;
      return false;
    }
  }

  /**
   * Queues an offline change (E5) and writes its local copy in ONE transaction: after a crash the file
   * holds the change and its copy, or neither. `upsert` is the record as edited, `remove` a deleted id.
   */
  queueLocal(entry: Omit<OutboxEntry, 'seq'>, write: { upsert?: StoredRecord; remove?: string }): void {
    const db = this.conn;
    db.transaction(() => {
      insertOutbox(db, entry);
      if (write.upsert) this.upsertStatement().run(...rowValues(write.upsert));
      if (write.remove) db.prepare('DELETE FROM records WHERE id = ?').run(write.remove);
      this.noteChanges([entry.record]);
    })();
  }

  /** The queued offline changes, in push order. */
  outbox(): OutboxEntry[] {
    return readOutbox(this.conn);
  }

  /** Record ids with a queued change. */
  pendingIds(): Set<string> {
    return new Set(this.conn.prepare('SELECT record FROM outbox').pluck().all() as string[]);
  }

  /**
   * Settles a pushed change in one transaction: drops it from the outbox, keeps a conflict or rejection
   * entry, and puts back (or removes) the local copy of a refused change.
   */
  settle(seq: number, o: { conflict?: ConflictEntry; restore?: StoredRecord; removeRecord?: string } = {}): void {
    const db = this.conn;
    db.transaction(() => {
      db.prepare('DELETE FROM outbox WHERE seq = ?').run(seq);
      if (o.conflict) insertConflict(db, o.conflict);
      const touched: string[] = [];
      if (o.restore) {
        this.upsertStatement().run(...rowValues(o.restore));
        touched.push(o.restore.id);
      }
      if (o.removeRecord) {
        db.prepare('DELETE FROM records WHERE id = ?').run(o.removeRecord);
        touched.push(o.removeRecord);
      }
      if (touched.length > 0) this.noteChanges(touched);
    })();
  }

  /** Settles several pushed changes in ONE transaction (one commit per pushed batch). */
  settleAll(items: ReadonlyArray<{ seq: number; conflict?: ConflictEntry; restore?: StoredRecord; removeRecord?: string }>): void {
    if (items.length === 0) return;
    this.conn.transaction(() => {
      for (const it of items) this.settle(it.seq, it);
    })();
  }

  /** Conflicts and rejected changes kept for the user. */
  conflicts(): ConflictEntry[] {
    return readConflicts(this.conn);
  }

  /** Forgets one conflict entry (settled by the user). True when it existed. */
  removeConflict(id: string): boolean {
    return this.conn.prepare('DELETE FROM conflicts WHERE id = ?').run(id).changes > 0;
  }

  /** Carries the outbox and the conflicts over into a rebuilt file before it replaces this one. */
  copyLocalTo(other: OfflineStore): void {
    copyLocal(this.conn, other.conn);
  }

  /** Records a clock reading (successful offline unlock); never moves the recorded time backwards. */
  recordTime(now: number): void {
    const db = this.conn;
    db.transaction(() => {
      const cur = Number(db.prepare(`SELECT value FROM meta WHERE key = 'latest_time'`).pluck().get() ?? '0');
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'latest_time'`).run(String(Math.max(cur, now)));
    })();
  }

  /** Sets a meta value outside a sync (e.g. carrying the latest time over into a rebuilt file). */
  setLatestTime(t: number): void {
    this.conn.prepare(`UPDATE meta SET value = ? WHERE key = 'latest_time'`).run(String(t));
  }

  /** All records, ordered by id. */
  listRecords(): StoredRecord[] {
    return (this.conn.prepare('SELECT * FROM records ORDER BY id').all() as RecordRow[]).map(rowToRecord);
  }

  /** Every record without its secret part and secret key (what a list or a search needs), ordered by id. */
  listHeaders(): Array<Omit<StoredRecord, 'secret' | 'secretKey'>> {
    const rows = this.conn
      .prepare(`SELECT ${HEADER_COLUMNS} FROM records ORDER BY id`)
      .all() as Array<Omit<RecordRow, 'secret' | 'secret_key'>>;
    // No spreads on this path: it runs for every record of a cold unlock.
    return rows.map(rowToListed);
  }

  /** A cache value, or null when absent (or when the file has no cache table: a read-only file never got one). */
  getCache(k: string): Uint8Array | null {
    let v: unknown;
    try {
      v = this.conn.prepare('SELECT v FROM cache WHERE k = ?').pluck().get(k);
    } catch (e) {
      if (e instanceof OfflineStoreError) throw e;
      return null;
    }
    return Buffer.isBuffer(v) ? u8(v) : null;
  }

  /** Stores a cache value (replacing any); throws when the file cannot be written. */
  setCache(k: string, v: Uint8Array): void {
    putCache(this.conn, k, v);
  }

  /** One record, or null. */
  getRecord(id: string): StoredRecord | null {
    const r = this.conn.prepare('SELECT * FROM records WHERE id = ?').get(id) as RecordRow | undefined;
    return r ? rowToRecord(r) : null;
  }

  /** Id -> revision of every record held (no blobs: cheap on large files). */
  revisions(): Map<string, string> {
    const rows = this.conn.prepare('SELECT id, revision FROM records').all() as Array<{ id: string; revision: string }>;
    return new Map(rows.map((r) => [r.id, r.revision]));
  }

  /** Ids of all records held. */
  ids(): string[] {
    return this.conn.prepare('SELECT id FROM records ORDER BY id').pluck().all() as string[];
  }

  /** SQLite's own consistency check ("ok" when sound). */
  integrityCheck(): string {
    return String(this.conn.pragma('integrity_check', { simple: true }));
  }

  /** Closes the file (checkpoints the WAL into the main file). Idempotent. */
  close(): void {
    if (this.db) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.db.close();
        this.db = null;
      }
    }
  }
}
