/** Safehold databases (the `databases` table): names, flags and the admin's lookups. */
import type { Conn } from './db.js';

/** The name of a database by id ('unknown' when gone). */
export async function dbNameOf(db: Conn, dbId: string): Promise<string> {
  return (await db.selectFrom('databases').select('name').where('id', '=', dbId).executeTakeFirst())?.name ?? 'unknown';
}

/** Every database id. */
export async function databaseIds(db: Conn): Promise<string[]> {
  return (await db.selectFrom('databases').select('id').execute()).map((d) => d.id);
}
