/**
 * The client caches of the offline file and the log of record changes since they were written. Values
 * are opaque blobs here (the SDK's sealed header cache). All functions run on an open, keyed file.
 */
import type { SqliteHandle } from './keyed.js';

/*
 * A small key/value table for client-side caches (e.g. the sdk's encrypted header cache). Created on
 * open too, so files written before it existed keep working. A key `k/…` is a part of the cache `k`:
 * it does not count as a cache held (no change is logged for it alone), and storing `k` again with
 * putCacheAt drops its parts, unless it is told to keep them (a cache extended by a part).
 */
export const CACHE_SCHEMA = 'CREATE TABLE IF NOT EXISTS cache (k TEXT PRIMARY KEY, v BLOB NOT NULL) STRICT';

/*
 * The record changes since the caches were written: every page that changes records bumps the meta
 * `generation` and, while any cache is held, logs (generation, id) of each record it wrote or removed.
 * A cache stored with setCacheAt(k, v, g) is current as of generation g, so a reader needs to recheck
 * only changedSince(g). Created on open too, like the cache table.
 */
export const CHANGES_SCHEMA = 'CREATE TABLE IF NOT EXISTS changes (gen INTEGER NOT NULL, id TEXT NOT NULL) STRICT';

/** How many more logged ids than records the change log may hold before the caches are dropped with it. */
const CHANGE_LOG_SLACK = 1000;

/** Both the cache and the change-log tables exist (a read-only file may lack them). */
export function hasCacheTables(db: SqliteHandle): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ('cache', 'changes')`).all().length === 2;
}

/** The records' generation: 0 for a new file, one more for each applied page that changed records. */
export function generationOf(db: SqliteHandle): number {
  return Number(db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).pluck().get() ?? '0');
}

/** Inside a writing transaction: the next generation, and the change log while a cache is held. */
export function noteChanges(db: SqliteHandle, logReady: boolean, ids: readonly string[]): void {
  const gen = generationOf(db) + 1;
  db.prepare(`INSERT INTO meta (key, value) VALUES ('generation', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(gen));
  if (!logReady || !db.prepare(`SELECT 1 FROM cache WHERE instr(k, '/') = 0 LIMIT 1`).pluck().get()) return;
  const log = db.prepare('INSERT INTO changes (gen, id) VALUES (?, ?)');
  for (const id of ids) log.run(gen, id);
  // A device that syncs for months without an unlock would grow the log for ever. Once it names more
  // ids than a full rebuild would read, the caches are worth nothing more than a rebuild: drop them and it.
  const logged = Number(db.prepare('SELECT count(*) FROM changes').pluck().get());
  const records = Number(db.prepare('SELECT count(*) FROM records').pluck().get());
  if (logged > CHANGE_LOG_SLACK && logged > records + CHANGE_LOG_SLACK) {
    db.prepare('DELETE FROM cache').run();
    db.prepare('DELETE FROM changes').run();
  }
}

/** Ids written or removed after generation `g` (distinct), or null when the log cannot tell. */
export function changedSince(db: SqliteHandle, logReady: boolean, g: number): string[] | null {
  const current = generationOf(db);
  if (!Number.isSafeInteger(g) || g < 0 || g > current) return null;
  if (!logReady) return g === current ? [] : null;
  return db.prepare('SELECT DISTINCT id FROM changes WHERE gen > ?').pluck().all(g) as string[];
}

/** Stores a cache value (replacing any); throws when the file cannot be written. */
export function putCache(db: SqliteHandle, k: string, v: Uint8Array): void {
  db.prepare('INSERT INTO cache (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(k, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
}

/** What putCacheAt does with the parts `k/…` of the cache `k` it stores: keep the stored ones or drop them, and add these. */
export interface CacheParts {
  keep: boolean;
  add: ReadonlyArray<readonly [string, Uint8Array]>;
}

/**
 * Stores a cache value current as of generation `g`, only if still current, with its parts as `parts` says
 * (by default: the stored ones dropped, none added); prunes the log up to g. All in one transaction.
 */
export function putCacheAt(db: SqliteHandle, k: string, v: Uint8Array, g: number, parts: CacheParts = { keep: false, add: [] }): boolean {
  for (const [pk] of parts.add) if (!pk.startsWith(`${k}/`)) throw new TypeError(`cache part ${pk} is not a part of ${k}`);
  return db.transaction((): boolean => {
    if (generationOf(db) !== g) return false;
    if (!parts.keep) db.prepare('DELETE FROM cache WHERE substr(k, 1, ?) = ?').run(k.length + 1, `${k}/`);
    for (const [pk, pv] of parts.add) putCache(db, pk, pv);
    putCache(db, k, v);
    db.prepare('DELETE FROM changes WHERE gen <= ?').run(g);
    return true;
  }).immediate();
}
