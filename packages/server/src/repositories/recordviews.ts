/**
 * The reads a record answer (RecordWire) is built from: record rows with the creator's and last
 * editor's names, secrets, the caller's key rows and seal rows. Queries only; rights and the seal
 * rule are decided in services/recordwire.ts.
 */
import type { Conn } from './db.js';

function recordViewQuery(db: Conn, dbId: string) {
  return db
    .selectFrom('records as r')
    .innerJoin('users as c', 'c.id', 'r.creator_id')
    .innerJoin('users as u', 'u.id', 'r.updated_by')
    .select(['r.id', 'r.revision', 'r.created_at', 'r.updated_at', 'r.masked', 'r.sealed', 'r.header', 'c.name as creator', 'u.name as updated_by'])
    .where('r.db_id', '=', dbId)
    .where('r.deleted_at', 'is', null);
}

export type RecordViewRow = Awaited<ReturnType<ReturnType<typeof recordViewQuery>['execute']>>[number];

/** Live records of `dbId` among `ids` (unordered). */
export async function recordViewsById(db: Conn, dbId: string, ids: readonly string[]): Promise<RecordViewRow[]> {
  return recordViewQuery(db, dbId).where('r.id', 'in', [...ids]).execute();
}

/** Every live record of `dbId`, by id. */
export async function recordViewsOfDatabase(db: Conn, dbId: string): Promise<RecordViewRow[]> {
  return recordViewQuery(db, dbId).orderBy('r.id').execute();
}

/** The secret ciphertext of each of `ids`. */
export async function secretsOf(db: Conn, ids: readonly string[]) {
  return db.selectFrom('records').select(['id', 'secret']).where('id', 'in', [...ids]).execute();
}

/** Key rows of records of `dbId` held by the user or one of `roleIds` (only of `ids` when given). */
export async function keyRowsInDatabase(db: Conn, dbId: string, userId: string, roleIds: readonly string[], ids: readonly string[] | null) {
  let kq = db
    .selectFrom('record_keys')
    .innerJoin('records', 'records.id', 'record_keys.record_id')
    .select(['record_keys.record_id', 'record_keys.holder_kind', 'record_keys.holder_id', 'record_keys.header_key', 'record_keys.secret_key'])
    .where('records.db_id', '=', dbId)
    .where((eb) => {
      const mine = eb.and([eb('record_keys.holder_kind', '=', 'user'), eb('record_keys.holder_id', '=', userId)]);
      return roleIds.length === 0
        ? mine
        : eb.or([mine, eb.and([eb('record_keys.holder_kind', '=', 'role'), eb('record_keys.holder_id', 'in', [...roleIds])])]);
    });
  if (ids) kq = kq.where('record_keys.record_id', 'in', [...ids]);
  return kq.execute();
}

/** The seal rows of `ids`. */
export async function sealsOf(db: Conn, ids: readonly string[]) {
  return db.selectFrom('seals').selectAll().where('record_id', 'in', [...ids]).execute();
}

/** Every seal row of the database's records (lists: one query rather than an id list of unbounded length). */
export async function sealsOfDatabase(db: Conn, dbId: string) {
  return db.selectFrom('seals').innerJoin('records', 'records.id', 'seals.record_id').selectAll('seals').where('records.db_id', '=', dbId).execute();
}

/** The seal row of one record. */
export async function sealOf(db: Conn, recordId: string) {
  return db.selectFrom('seals').selectAll().where('record_id', '=', recordId).executeTakeFirst();
}
