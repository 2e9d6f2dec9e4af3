/**
 * The per-database change counter (DESIGN "Sync protocol"). Every change that can alter what a user
 * may hold takes the next value of `databases.seq` inside its own transaction and writes one
 * `changes` row with it. The UPDATE locks the database's counter row until commit, so writers of one
 * database commit in seq order and a reader following `seq > cursor` can never skip a change
 * (a PostgreSQL SEQUENCE could commit out of order). Taking the counter FIRST in a write
 * transaction also serialises the rule checks that follow (base revision, existence) per database.
 */
import { SafeholdError } from '@safehold/protocol';
import type { ChangeKind } from '../storage/schema.js';
import type { Clock } from '../clock.js';
import type { Conn } from './db.js';

export { inTransaction } from './db.js';


/** Takes the next value of the database's change counter; call it inside the write transaction, first. */
export async function nextSeq(trx: Conn, dbId: string): Promise<number> {
  const row = await trx
    .updateTable('databases')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', dbId)
    .returning('seq')
    .executeTakeFirst();
  if (!row) throw new SafeholdError('not_found', 'database not found');
  return Number(row.seq);
}

/** Locks the database's counter row without moving it (serialises writers that take no seq). */
export async function lockCounter(trx: Conn, dbId: string): Promise<void> {
  await trx.updateTable('databases').set((eb) => ({ seq: eb('seq', '+', 0) })).where('id', '=', dbId).execute();
}

/** Takes `n` counter values at once; returns the last one ([last - n + 1, last] are the caller's). */
export async function takeSeqs(trx: Conn, dbId: string, n: number): Promise<number> {
  const row = await trx
    .updateTable('databases')
    .set((eb) => ({ seq: eb('seq', '+', n) }))
    .where('id', '=', dbId)
    .returning('seq')
    .executeTakeFirst();
  if (!row) throw new SafeholdError('not_found', 'database not found');
  return Number(row.seq);
}

/** The database's current counter value: the one lookup a no-change sync needs. */
export async function currentSeq(db: Conn, dbId: string): Promise<number> {
  const row = await db.selectFrom('databases').select('seq').where('id', '=', dbId).executeTakeFirst();
  if (!row) throw new SafeholdError('not_found', 'database not found');
  return Number(row.seq);
}

export interface ChangeInput {
  kind: ChangeKind;
  recordId?: string | null;
  roleId?: string | null;
  userId?: string | null;
}

/**
 * Writes the change row for `seq` (taken with nextSeq in the same transaction) and, for a
 * record-level change, stamps the record's change_seq.
 */
export async function logChange(trx: Conn, clock: Clock, dbId: string, seq: number, c: ChangeInput): Promise<void> {
  await trx
    .insertInto('changes')
    .values({
      db_id: dbId,
      seq,
      kind: c.kind,
      record_id: c.recordId ?? null,
      role_id: c.roleId ?? null,
      user_id: c.userId ?? null,
      at: clock.now(),
    })
    .execute();
  if (c.recordId) {
    await trx.updateTable('records').set({ change_seq: seq }).where('id', '=', c.recordId).where('db_id', '=', dbId).execute();
  }
}

const horizonKey = (dbId: string) => `changes_pruned_through:${dbId}`;

/** The highest seq pruned from the database's change log (0 when nothing was pruned). */
export async function prunedHorizon(db: Conn, dbId: string): Promise<number> {
  const row = await db.selectFrom('server_meta').select('value').where('key', '=', horizonKey(dbId)).executeTakeFirst();
  const n = row ? Number(row.value) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}

export async function setPrunedHorizon(trx: Conn, dbId: string, through: number): Promise<void> {
  const value = String(through);
  await trx
    .insertInto('server_meta')
    .values({ key: horizonKey(dbId), value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** The highest seq of the database's changes written before `cutoff`, or null. */
export async function lastChangeBefore(db: Conn, dbId: string, cutoff: number): Promise<number | null> {
  const old = await db
    .selectFrom('changes')
    .select((eb) => eb.fn.max('seq').as('max'))
    .where('db_id', '=', dbId)
    .where('at', '<', cutoff)
    .executeTakeFirst();
  if (old?.max === null || old?.max === undefined) return null;
  return Number(old.max);
}

/** Deletes the database's change rows up to `through`; returns how many. */
export async function deleteChangesThrough(trx: Conn, dbId: string, through: number): Promise<number> {
  const r = await trx.deleteFrom('changes').where('db_id', '=', dbId).where('seq', '<=', through).executeTakeFirst();
  return Number(r.numDeletedRows);
}
