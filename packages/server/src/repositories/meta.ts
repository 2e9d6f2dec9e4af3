/** server_meta: the server's key/value settings (signing seed, rotations, prelogin secret, horizons). */
import type { Conn } from './db.js';

export async function metaValue(db: Conn, key: string): Promise<string | undefined> {
  return (await db.selectFrom('server_meta').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

/** Inserts the value unless the key exists (the first writer wins). */
export async function insertMetaIfAbsent(db: Conn, key: string, value: string): Promise<void> {
  await db
    .insertInto('server_meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

export async function insertMeta(db: Conn, key: string, value: string): Promise<void> {
  await db.insertInto('server_meta').values({ key, value }).execute();
}

export async function updateMeta(db: Conn, key: string, value: string): Promise<void> {
  await db.updateTable('server_meta').set({ value }).where('key', '=', key).execute();
}
