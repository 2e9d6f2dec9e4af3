/**
 * The offline sync's storage: the state a page decides on, the change reader, the device's held set and
 * its offline_devices row. Queries only; the rules (reset / delta / no-change, eligibility) stay in the
 * services and the domain.
 */
import { sql, type Insertable } from 'kysely';
import type { OfflineOpsTable } from '../storage/schema.js';
import type { Conn } from './db.js';
import { chunks } from './chunks.js';
import { mayStillHold } from '@safehold/domain';
import { grantHoldsExport } from './access.js';

/** One device's offline copy of one database for one user: the key of offline_devices and offline_held. */
export interface OfflineCopyKey {
  deviceId: string;
  userId: string;
  dbId: string;
}

/** Everything a sync needs to decide, in one statement of primary-key lookups (null: no such database). */
export async function loadSyncState(db: Conn, who: { userId: string; deviceId: string }, dbName: string) {
  return db
    .selectFrom('databases as d')
    .leftJoin('memberships as m', (j) => j.onRef('m.db_id', '=', 'd.id').on('m.user_id', '=', who.userId))
    .leftJoin('offline_devices as o', (j) =>
      j.onRef('o.db_id', '=', 'd.id').on('o.user_id', '=', who.userId).on('o.device_id', '=', who.deviceId),
    )
    .select([
      'd.id',
      'd.offline',
      'd.seq',
      'm.user_id as member',
      'm.offline_right',
      'm.offline_days',
      'm.offline_edits',
      'o.created_at as held_since',
      'o.last_seen_at',
      'o.instance_id',
    ])
    .where('d.name', '=', dbName)
    .executeTakeFirst();
}

/** Moves last_seen_at to `now` unless it was written less than `coalesceMs` ago (concurrent writers: one wins). */
export async function touchLastSeen(db: Conn, k: OfflineCopyKey, now: number, coalesceMs: number): Promise<void> {
  await db
    .updateTable('offline_devices')
    .set({ last_seen_at: now })
    .where('device_id', '=', k.deviceId)
    .where('user_id', '=', k.userId)
    .where('db_id', '=', k.dbId)
    .where('last_seen_at', '<=', now - coalesceMs)
    .execute();
}

/** The offline instance of the device's copy (null before its first sync). */
export async function offlineInstance(db: Conn, k: OfflineCopyKey): Promise<{ id: string; createdAt: number } | null> {
  const row = await db
    .selectFrom('offline_devices')
    .select(['instance_id', 'created_at'])
    .where('device_id', '=', k.deviceId)
    .where('user_id', '=', k.userId)
    .where('db_id', '=', k.dbId)
    .executeTakeFirst();
  return row?.instance_id ? { id: row.instance_id, createdAt: Number(row.created_at) } : null;
}

/** Records granted export to `roleId`, by id after `after`, at most `n` (the grants_export index). */
export async function exportGrantsOfRole(db: Conn, roleId: string, after: string, n: number): Promise<string[]> {
  let q = db
    .selectFrom('grants')
    .select('record_id')
    .where('holder_kind', '=', 'role')
    .where('holder_id', '=', roleId)
    .where(grantHoldsExport());
  if (after !== '') q = q.where('record_id', '>', after);
  return (await q.orderBy('record_id').limit(n).execute()).map((r) => r.record_id);
}

/** Which of `ids` have a change after `seq` (their change_seq is higher). */
export async function changedAfter(db: Conn, ids: readonly string[], seq: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('records').select('id').where('id', 'in', part).where('change_seq', '>', seq).execute();
    for (const r of rows) out.add(r.id);
  }
  return out;
}

/** Of `ids`: those the device holds, and those it may still hold (held, or removed by a possibly lost answer). */
export async function heldAmong(db: Conn, k: OfflineCopyKey, ids: readonly string[], from: number | null): Promise<{ held: Set<string>; removable: Set<string> }> {
  const held = new Set<string>();
  const removable = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('offline_held')
      .select('record_id')
      .where('device_id', '=', k.deviceId)
      .where('user_id', '=', k.userId)
      .where('db_id', '=', k.dbId)
      .where('record_id', 'in', part)
      .execute();
    for (const r of rows) held.add(r.record_id);
    if (from === null) continue;
    const gone = await db
      .selectFrom('offline_gone')
      .select(['record_id', 'gone_pos'])
      .where('device_id', '=', k.deviceId)
      .where('user_id', '=', k.userId)
      .where('db_id', '=', k.dbId)
      .where('record_id', 'in', part)
      .execute();
    for (const g of gone) if (mayStillHold(Number(g.gone_pos), from)) removable.add(g.record_id);
  }
  for (const id of held) removable.add(id);
  return { held, removable };
}

/** Stamps a sync on the device's row (`set`: times and maybe the cursor); false when the device has no row yet. */
export async function stampSync(trx: Conn, k: OfflineCopyKey, set: { last_sync_at: number; last_seen_at: number; cursor?: number }): Promise<boolean> {
  const upd = await trx
    .updateTable('offline_devices')
    .set(set)
    .where('device_id', '=', k.deviceId)
    .where('user_id', '=', k.userId)
    .where('db_id', '=', k.dbId)
    .executeTakeFirst();
  return Number(upd.numUpdatedRows) > 0;
}

/** The device's row at its first sync; false when another page created it first. */
export async function insertDevice(trx: Conn, k: OfflineCopyKey, v: { cursor: number; now: number; instanceId: string }): Promise<boolean> {
  const ins = await trx
    .insertInto('offline_devices')
    .values({ device_id: k.deviceId, user_id: k.userId, db_id: k.dbId, cursor: v.cursor, created_at: v.now, last_sync_at: v.now, last_seen_at: v.now, instance_id: v.instanceId })
    .onConflict((oc) => oc.columns(['device_id', 'user_id', 'db_id']).doNothing())
    .executeTakeFirst();
  return Number(ins.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Adds sent ids to the held set: one statement per page with the ids as one JSON parameter, so the SQL text
 * (and SQLite's prepared statement) is the same for every page and no per-id value list is built (a
 * 2000-row VALUES list was 8000 bound parameters and Kysely nodes per page). Returns how many of `ids` the
 * held set did not hold yet (the rows inserted; the others were already there).
 */
export async function addHeld(trx: Conn, k: OfflineCopyKey, ids: readonly string[], dialect: 'sqlite' | 'postgres'): Promise<number> {
  if (ids.length === 0) return 0;
  const list = JSON.stringify(ids);
  // SQLite needs the WHERE to tell an upsert's ON CONFLICT from a join constraint after INSERT ... SELECT.
  const rows =
    dialect === 'sqlite' ? sql`select ${k.deviceId}, ${k.userId}, ${k.dbId}, value from json_each(${list}) where true` : sql`select ${k.deviceId}, ${k.userId}, ${k.dbId}, id from json_array_elements_text(${list}::json) as id`;
  const ins = await sql`insert into offline_held (device_id, user_id, db_id, record_id) ${rows} on conflict (device_id, user_id, db_id, record_id) do nothing`.execute(trx);
  return Number(ins.numAffectedRows ?? 0);
}

/** Forgets removals whose page ended at position `through` or before (they reached the device). */
export async function forgetGone(trx: Conn, k: OfflineCopyKey, through: number): Promise<void> {
  await trx
    .deleteFrom('offline_gone')
    .where('device_id', '=', k.deviceId)
    .where('user_id', '=', k.userId)
    .where('db_id', '=', k.dbId)
    .where('gone_pos', '<=', through)
    .execute();
}

/** Moves removed ids from the held set to offline_gone with the removing page's end position. */
export async function moveToGone(trx: Conn, k: OfflineCopyKey, ids: readonly string[], gone_pos: number): Promise<void> {
  for (const part of chunks(ids)) {
    await trx
      .deleteFrom('offline_held')
      .where('device_id', '=', k.deviceId)
      .where('user_id', '=', k.userId)
      .where('db_id', '=', k.dbId)
      .where('record_id', 'in', part)
      .execute();
    await trx
      .insertInto('offline_gone')
      .values(part.map((record_id) => ({ device_id: k.deviceId, user_id: k.userId, db_id: k.dbId, record_id, gone_pos })))
      .onConflict((oc) => oc.columns(['device_id', 'user_id', 'db_id', 'record_id']).doUpdateSet({ gone_pos }))
      .execute();
  }
}

/** The recorded outcome of an offline push operation of the user, if it was settled before. */
export async function recordedOp(trx: Conn, userId: string, opId: string) {
  return trx.selectFrom('offline_ops').selectAll().where('user_id', '=', userId).where('op_id', '=', opId).executeTakeFirst();
}

/** Records the outcome of an offline push operation (the same transaction as its change). */
export async function recordOp(trx: Conn, row: Insertable<OfflineOpsTable>): Promise<void> {
  await trx.insertInto('offline_ops').values(row).execute();
}
