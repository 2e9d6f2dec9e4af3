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

/** Opens (or creates) a SQLite file and keys it. Verifies the key by reading sqlite_master. */
export function openKeyed(path: string, fileKey: Uint8Array, mustExist: boolean): SqliteHandle {
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
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  return db;
}

