/**
 * The offline sync's storage: the state a page decides on, the change reader, the device's held set and
 * its offline_devices row. Queries only; the rules (reset / delta / no-change, eligibility) stay in the
 * services and the domain.
 */
import type { ChangeKind } from '../storage/schema.js';
import type { Db } from './db.js';
import { chunks } from './chunks.js';
import { grantHoldsExport } from './access.js';

/** One device's offline copy of one database for one user: the key of offline_devices and offline_held. */
export interface HeldKey {
  deviceId: string;
  userId: string;
  dbId: string;
}

/** Everything a sync needs to decide, in one statement of primary-key lookups (null: no such database). */
export async function loadSyncState(db: Db, who: { userId: string; deviceId: string }, dbName: string) {
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
export async function touchLastSeen(db: Db, k: HeldKey, now: number, coalesceMs: number): Promise<void> {
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
export async function offlineInstance(db: Db, k: HeldKey): Promise<{ id: string; createdAt: number } | null> {
  const row = await db
    .selectFrom('offline_devices')
    .select(['instance_id', 'created_at'])
    .where('device_id', '=', k.deviceId)
    .where('user_id', '=', k.userId)
    .where('db_id', '=', k.dbId)
    .executeTakeFirst();
  return row?.instance_id ? { id: row.instance_id, createdAt: Number(row.created_at) } : null;
}

/** A change row as the delta walk reads it (seq as a number on both backends). */
export interface ChangeRow {
  seq: number;
  kind: ChangeKind;
  record_id: string | null;
  role_id: string | null;
  user_id: string | null;
}

/** THE change reader: the database's change rows with seq > `afterSeq`, in seq order, at most `limit`. */
export async function readChanges(db: Db, dbId: string, afterSeq: number, limit: number): Promise<ChangeRow[]> {
  const rows = await db
    .selectFrom('changes')
    .select(['seq', 'kind', 'record_id', 'role_id', 'user_id'])
    .where('db_id', '=', dbId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** Records granted export to `roleId`, by id after `after`, at most `n` (the grants_export index). */
export async function exportGrantsOfRole(db: Db, roleId: string, after: string, n: number): Promise<string[]> {
  let q = db
    .selectFrom('grants')
    .select('record_id')
    .where('holder_kind', '=', 'role')
    .where('holder_id', '=', roleId)
    .where(grantHoldsExport());
  if (after !== '') q = q.where('record_id', '>', after);
  return (await q.orderBy('record_id').limit(n).execute()).map((r) => r.record_id);
}

/** Held records of the device that `roleId` holds any grant on, by id after `after`, at most `n`. */
export async function heldGrantedToRole(db: Db, k: HeldKey, roleId: string, after: string, n: number): Promise<string[]> {
  let q = db
    .selectFrom('offline_held as h')
    .innerJoin('grants as g', (j) => j.onRef('g.record_id', '=', 'h.record_id').on('g.holder_kind', '=', 'role').on('g.holder_id', '=', roleId))
    .select('h.record_id')
    .where('h.device_id', '=', k.deviceId)
    .where('h.user_id', '=', k.userId)
    .where('h.db_id', '=', k.dbId);
  if (after !== '') q = q.where('h.record_id', '>', after);
  return (await q.orderBy('h.record_id').limit(n).execute()).map((r) => r.record_id);
}

/** THE held-set reader: which of `ids` the device was given. */
export async function heldAmong(db: Db, k: HeldKey, ids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('offline_held')
      .select('record_id')
      .where('device_id', '=', k.deviceId)
      .where('user_id', '=', k.userId)
      .where('db_id', '=', k.dbId)
      .where('record_id', 'in', part)
      .execute();
    for (const r of rows) out.add(r.record_id);
  }
  return out;
}

/** Adds `sent` to the held set and drops `removed` from it (inside the page's transaction). */
export async function writeHeld(trx: Db, k: HeldKey, sent: readonly string[], removed: readonly string[]): Promise<void> {
  for (const part of chunks(sent)) {
    await trx
      .insertInto('offline_held')
      .values(part.map((record_id) => ({ device_id: k.deviceId, user_id: k.userId, db_id: k.dbId, record_id })))
      .onConflict((oc) => oc.columns(['device_id', 'user_id', 'db_id', 'record_id']).doNothing())
      .execute();
  }
  for (const part of chunks(removed)) {
    await trx
      .deleteFrom('offline_held')
      .where('device_id', '=', k.deviceId)
      .where('user_id', '=', k.userId)
      .where('db_id', '=', k.dbId)
      .where('record_id', 'in', part)
      .execute();
  }
}

/**
 * Stamps the device row of a synced page (cursor when `appliedSeq` is set), creating it with a new
 * instance id at the first sync. True when this call created it.
 */
export async function stampDevice(trx: Db, k: HeldKey, now: number, appliedSeq: number | null, newInstanceId: () => string): Promise<boolean> {
  const set = appliedSeq === null ? { last_sync_at: now, last_seen_at: now } : { last_sync_at: now, last_seen_at: now, cursor: appliedSeq };
  const upd = await trx
    .updateTable('offline_devices')
    .set(set)
    .where('device_id', '=', k.deviceId)
    .where('user_id', '=', k.userId)
    .where('db_id', '=', k.dbId)
    .executeTakeFirst();
  if (Number(upd.numUpdatedRows) > 0) return false;
  const ins = await trx
    .insertInto('offline_devices')
    .values({
      device_id: k.deviceId,
      user_id: k.userId,
      db_id: k.dbId,
      cursor: appliedSeq ?? 0,
      created_at: now,
      last_sync_at: now,
      last_seen_at: now,
      instance_id: newInstanceId(),
    })
    .onConflict((oc) => oc.columns(['device_id', 'user_id', 'db_id']).doNothing())
    .executeTakeFirst();
  return Number(ins.numInsertedOrUpdatedRows ?? 0) > 0;
}
