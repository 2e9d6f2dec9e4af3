/** Safehold databases (the `databases` table): names, flags and the admin's lookups. */
import type { Insertable } from 'kysely';
import type { DatabasesTable } from '../storage/schema.js';
import type { Conn } from './db.js';

/** The name of a database by id ('unknown' when gone). */
export async function dbNameOf(db: Conn, dbId: string): Promise<string> {
  return (await db.selectFrom('databases').select('name').where('id', '=', dbId).executeTakeFirst())?.name ?? 'unknown';
}

/** Every database id. */
export async function databaseIds(db: Conn): Promise<string[]> {
  return (await db.selectFrom('databases').select('id').execute()).map((d) => d.id);
}

export async function databaseByName(db: Conn, name: string): Promise<{ id: string; offline: number } | undefined> {
  return db.selectFrom('databases').select(['id', 'offline']).where('name', '=', name).executeTakeFirst();
}

export async function insertDatabase(trx: Conn, row: Insertable<DatabasesTable>): Promise<void> {
  await trx.insertInto('databases').values(row).execute();
}

export async function setOffline(trx: Conn, dbId: string, offline: boolean): Promise<void> {
  await trx.updateTable('databases').set({ offline: offline ? 1 : 0 }).where('id', '=', dbId).execute();
}

/** Every database with its member count, by name. */
export async function databaseSummaries(db: Conn) {
  return db
    .selectFrom('databases')
    .leftJoin('memberships', 'memberships.db_id', 'databases.id')
    .select((eb) => ['databases.name', 'databases.offline', 'databases.created_at', eb.fn.count<number>('memberships.user_id').as('members')])
    .groupBy(['databases.id', 'databases.name', 'databases.offline', 'databases.created_at'])
    .orderBy('databases.name')
    .execute();
}
