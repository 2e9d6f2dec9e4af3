/** The repositories' handle on storage: the Kysely instance or a transaction on it. */
import type { Kysely, Transaction } from 'kysely';
import type { Tables } from '../storage/schema.js';

/**
 * A connection to the server's storage: the Kysely instance itself or a transaction on it. Only the
 * repositories (and storage/) run queries on it; services pass it through. ("Db" named this type and a
 * Safehold database at once; a Safehold database is a `DbScope` / `dbId` / `dbName`.)
 */
export type Conn = Kysely<Tables> | Transaction<Tables>;

/** Runs `fn` in a transaction, or directly inside the caller's transaction when `db` already is one. */
export async function inTransaction<T>(db: Conn, fn: (trx: Conn) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute((trx) => fn(trx));
}
