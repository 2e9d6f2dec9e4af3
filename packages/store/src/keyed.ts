/**
 * Opening the offline SQLite file keyed with its file key (SQLite3MultipleCiphers, ChaCha20-Poly1305).
 * The raw 32-byte key is handed to the driver as is: deriving or wrapping it is the SDK key service's job.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { OfflineStoreError } from './errors.js';

/** The better-sqlite3 connection to one SQLite file ("SqliteHandle" only ever means a Safehold database). */
export type SqliteHandle = Database.Database;

function keyPragma(fileKey: Uint8Array): string {
  if (!(fileKey instanceof Uint8Array) || fileKey.byteLength !== 32) {
    throw new OfflineStoreError('wrong_key', 'the offline file key must be 32 bytes');
  }
  // The hex form is a raw key: SQLite3MultipleCiphers skips its own KDF. The string lives briefly in
  // the V8 heap; JavaScript gives no way to zero a string.
  return `key = "x'${Buffer.from(fileKey).toString('hex')}'"`;
}

/**
 * The page size of a new offline file, bytes (SQLite's default is 4,096). Fewer, larger pages: a header cache
 * part or a record spans fewer pages, each decrypted and checked on its own. ADR 0144 (session 9), four
 * alternating rounds: the first unlock after a 100k first sync 303-455 against 358-484 ms, the first sync 0-9%
 * faster at 10k and 100k, no figure worse. A file made before keeps its own size (SQLite reads it from the file).
 */
export const NEW_FILE_PAGE_SIZE = 16_384;

/**
 * How a file keeps its transactions: `wal` for the user's offline copy (readers never wait on a sync's write);
 * `rollback` for a rebuild, written by one connection and read by none until it is swapped in (store.ts).
 */
export type JournalKind = 'wal' | 'rollback';

/** Opens (or creates) a SQLite file and keys it. Verifies the key by reading sqlite_master (which also rolls a hot journal back). */
export function openKeyed(path: string, fileKey: Uint8Array, mustExist: boolean, journal: JournalKind = 'wal'): SqliteHandle {
  let db: SqliteHandle;
  try {
    db = new Database(path, { fileMustExist: mustExist });
  } catch (e) {
    throw new OfflineStoreError('missing', 'no offline database file', { cause: e });
  }
  try {
    db.pragma(`cipher = 'chacha20'`);
    db.pragma(keyPragma(fileKey));
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw new OfflineStoreError('wrong_key', 'the offline database cannot be opened with this key', { cause: e });
    throw new OfflineStoreError('corrupt', 'the offline database is damaged', { cause: e });
  }
  // Only an empty file takes a page size, and only before WAL mode is set: an existing file keeps its own.
  if (!mustExist) db.pragma(`page_size = ${NEW_FILE_PAGE_SIZE}`);
  // TRUNCATE: the rollback journal is emptied at each commit, not created and deleted (a resumed rebuild made
  // in WAL mode by an earlier version is checkpointed into its file by the switch).
  db.pragma(journal === 'wal' ? 'journal_mode = WAL' : 'journal_mode = TRUNCATE');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  return db;
}

