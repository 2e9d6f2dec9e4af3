/**
 * Records, their revisions (history) and key rows: the queries of the record services. Rules (rights,
 * seals, base revisions) stay in services/records.ts and services/rights.ts.
 */
import type { Insertable, Selectable } from 'kysely';
import type { RecordsTable } from '../storage/schema.js';
import type { Conn } from './db.js';
import { chunks } from './chunks.js';

export type RecordRow = Selectable<RecordsTable>;

/** Where an id lives (any database), or undefined when unused. */
export async function recordPlace(db: Conn, id: string): Promise<{ id: string; db_id: string } | undefined> {
  return db.selectFrom('records').select(['id', 'db_id']).where('id', '=', id).executeTakeFirst();
}

/** The record row of `id` in any database, deleted or not. */
export async function recordById(db: Conn, id: string): Promise<RecordRow | undefined> {
  return db.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The live (not deleted) record row of `id` in `dbId`. */
export async function liveRecord(db: Conn, dbId: string, id: string): Promise<RecordRow | undefined> {
  return db.selectFrom('records').selectAll().where('id', '=', id).where('db_id', '=', dbId).where('deleted_at', 'is', null).executeTakeFirst();
}

/** The live record of `id` in any database: its id, database and creator. */
export async function liveRecordAnywhere(db: Conn, id: string): Promise<{ id: string; db_id: string; creator_id: string } | undefined> {
  return db.selectFrom('records').select(['id', 'db_id', 'creator_id']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** A new record: its row, its first revision and the creator's key row. */
export async function insertRecordRows(trx: Conn, v: { record: Insertable<RecordsTable> & { id: string; revision: string; header: string; secret: string; creator_id: string; updated_at: number }; keys: { header: string; secret: string | null } }): Promise<void> {
  const r = v.record;
  await trx.insertInto('records').values(r).execute();
  await trx
    .insertInto('revisions')
    .values({ record_id: r.id, revision: r.revision, base_revision: null, header: r.header, secret: r.secret, updated_at: r.updated_at, updated_by: r.creator_id })
    .execute();
  await trx.insertInto('record_keys').values({ record_id: r.id, holder_kind: 'user', holder_id: r.creator_id, header_key: v.keys.header, secret_key: v.keys.secret }).execute();
}

/** True when the record already has a revision of that id. */
export async function revisionUsed(trx: Conn, recordId: string, revision: string): Promise<boolean> {
  const used = await trx.selectFrom('revisions').select('revision').where('record_id', '=', recordId).where('revision', '=', revision).executeTakeFirst();
  return used !== undefined;
}

/** A new current revision: the records row and its history row. */
export async function writeRevision(
  trx: Conn,
  recordId: string,
  v: { baseRevision: string; revision: string; header: string; secret: string; at: number; by: string },
  extra: { sealed?: number } = {},
): Promise<void> {
  await trx
    .updateTable('records')
    .set({ revision: v.revision, header: v.header, secret: v.secret, updated_at: v.at, updated_by: v.by, ...extra })
    .where('id', '=', recordId)
    .execute();
  await trx
    .insertInto('revisions')
    .values({ record_id: recordId, revision: v.revision, base_revision: v.baseRevision, header: v.header, secret: v.secret, updated_at: v.at, updated_by: v.by })
    .execute();
}

/** A history revision that is never current (the losing side of an offline conflict). */
export async function insertConflictRevision(
  trx: Conn,
  recordId: string,
  v: { baseRevision: string | null; revision: string; header: string; secret: string; at: number; by: string },
): Promise<void> {
  await trx
    .insertInto('revisions')
    .values({ record_id: recordId, revision: v.revision, base_revision: v.baseRevision, header: v.header, secret: v.secret, updated_at: v.at, updated_by: v.by, conflict: 1 })
    .execute();
}

/** Soft delete. */
export async function markDeleted(trx: Conn, id: string, at: number): Promise<void> {
  await trx.updateTable('records').set({ deleted_at: at }).where('id', '=', id).execute();
}

/** Every saved revision of the record (unordered). */
export async function revisionsOf(db: Conn, id: string) {
  return db.selectFrom('revisions').selectAll().where('record_id', '=', id).execute();
}

export async function setMasked(trx: Conn, id: string, masked: boolean): Promise<void> {
  await trx.updateTable('records').set({ masked: masked ? 1 : 0 }).where('id', '=', id).execute();
}

export async function setSealed(trx: Conn, id: string, sealed: boolean): Promise<void> {
  await trx.updateTable('records').set({ sealed: sealed ? 1 : 0 }).where('id', '=', id).execute();
}

/** Of `ids`, the sealed ones. */
export async function sealedAmong(db: Conn, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const part of chunks(ids)) out.push(...(await db.selectFrom('records').select('id').where('id', 'in', part).where('sealed', '=', 1).execute()).map((r) => r.id));
  return out;
}

/** True when any of `ids` is a record (any database). */
export async function anyRecordAmong(trx: Conn, ids: readonly string[]): Promise<boolean> {
  return (await trx.selectFrom('records').select('id').where('id', 'in', [...ids]).executeTakeFirst()) !== undefined;
}

/** Every saved revision of each of `ids` (unordered). */
export async function revisionsOfMany(db: Conn, ids: readonly string[]) {
  return db.selectFrom('revisions').selectAll().where('record_id', 'in', [...ids]).execute();
}
