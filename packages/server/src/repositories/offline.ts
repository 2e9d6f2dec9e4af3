/**
 * The offline sync's storage: the state a page decides on, the change reader, the device's held set and
 * its offline_devices row. Queries only; the rules (reset / delta / no-change, eligibility) stay in the
 * services and the domain.
 */
import type { Db } from './db.js';
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
