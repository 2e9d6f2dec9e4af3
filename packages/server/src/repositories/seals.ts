/** Seals and the key rows a seal rewrites: the queries of services/seals.ts. */
import type { Insertable } from 'kysely';
import type { SealsTable } from '../storage/schema.js';
import type { Conn } from './db.js';

/** Who holds a key row of the record. */
export async function keyHoldersOf(db: Conn, recordId: string) {
  return db.selectFrom('record_keys').select(['holder_kind', 'holder_id']).where('record_id', '=', recordId).execute();
}

/** Every key row of the record loses its secret key, then the listed holders get their new one. */
export async function rekeySecret(trx: Conn, recordId: string, keys: ReadonlyArray<{ kind: 'user' | 'role'; id: string; secret: string }>): Promise<void> {
  await trx.updateTable('record_keys').set({ secret_key: null }).where('record_id', '=', recordId).execute();
  for (const k of keys) {
    await trx
      .updateTable('record_keys')
      .set({ secret_key: k.secret })
      .where('record_id', '=', recordId)
      .where('holder_kind', '=', k.kind)
      .where('holder_id', '=', k.id)
      .execute();
  }
}

/** The record's one seal row, replaced. */
export async function replaceSeal(trx: Conn, row: Insertable<SealsTable> & { record_id: string }): Promise<void> {
  await trx.deleteFrom('seals').where('record_id', '=', row.record_id).execute();
  await trx.insertInto('seals').values(row).execute();
}

export async function deleteSeal(trx: Conn, recordId: string): Promise<void> {
  await trx.deleteFrom('seals').where('record_id', '=', recordId).execute();
}
