/**
 * Wipe orders and what issuing one deletes (a device's offline_devices row and held set), plus the
 * device-key and offline-copy lookups of the order endpoints. Queries only: services/wipe.ts decides.
 */
import type { WipeOrdersTable } from '../storage/schema.js';
import type { Conn } from './db.js';
import type { OfflineCopyKey } from './offline.js';

export type OrderRow = WipeOrdersTable;

/** Deletes the device's offline copy record (row and held set); null when there was none. */
export async function dropOfflineCopy(trx: Conn, t: OfflineCopyKey) {
  const row = await trx
    .deleteFrom('offline_devices')
    .where('device_id', '=', t.deviceId)
    .where('user_id', '=', t.userId)
    .where('db_id', '=', t.dbId)
    .returning(['instance_id', 'created_at'])
    .executeTakeFirst();
  if (!row) return null;
  const held = await trx
    .deleteFrom('offline_held')
    .where('device_id', '=', t.deviceId)
    .where('user_id', '=', t.userId)
    .where('db_id', '=', t.dbId)
    .executeTakeFirst();
  return { row, heldCount: Number(held.numDeletedRows) };
}

export async function insertOrder(trx: Conn, order: OrderRow): Promise<void> {
  await trx.insertInto('wipe_orders').values(order).execute();
}

/** Marks the order delivered; true on its first delivery. */
export async function markDelivered(db: Conn, id: string, now: number): Promise<boolean> {
  const first = await db.updateTable('wipe_orders').set({ delivered_at: now }).where('id', '=', id).where('delivered_at', 'is', null).executeTakeFirst();
  return Number(first.numUpdatedRows) > 0;
}

/** Marks the order acknowledged; true on its first acknowledgement. */
export async function markAcknowledged(db: Conn, id: string, now: number): Promise<boolean> {
  const upd = await db.updateTable('wipe_orders').set({ acknowledged_at: now }).where('id', '=', id).where('acknowledged_at', 'is', null).executeTakeFirst();
  return Number(upd.numUpdatedRows) > 0;
}

/** Pending (unacknowledged, not superseded) orders of a device for one account, optionally one database, oldest first. */
export async function pendingOrders(db: Conn, deviceId: string, userId: string, dbId?: string): Promise<OrderRow[]> {
  let q = db
    .selectFrom('wipe_orders')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('user_id', '=', userId)
    .where('acknowledged_at', 'is', null)
    .where('superseded_at', 'is', null);
  if (dbId !== undefined) q = q.where('db_id', '=', dbId);
  return q.orderBy('issued_at').orderBy('id').execute();
}

/** Marks the pending orders of (device, user, db) superseded. */
export async function supersede(db: Conn, now: number, t: OfflineCopyKey): Promise<void> {
  await db
    .updateTable('wipe_orders')
    .set({ superseded_at: now })
    .where('device_id', '=', t.deviceId)
    .where('user_id', '=', t.userId)
    .where('db_id', '=', t.dbId)
    .where('acknowledged_at', 'is', null)
    .where('superseded_at', 'is', null)
    .execute();
}

/** The device rows of that id whose user has that name, with their device keys. */
export async function deviceKeysOf(db: Conn, deviceId: string, userName: string) {
  return db
    .selectFrom('devices')
    .innerJoin('users', 'users.id', 'devices.user_id')
    .select(['devices.user_id', 'devices.public_key', 'users.name'])
    .where('devices.id', '=', deviceId)
    .where('users.name', '=', userName)
    .execute();
}

/** The offline copies an account holds on a device, with the state that decides a wipe, by database name. */
export async function offlineCopiesOnDevice(db: Conn, deviceId: string, userId: string) {
  return db
    .selectFrom('offline_devices as o')
    .innerJoin('users as u', 'u.id', 'o.user_id')
    .innerJoin('databases as d', 'd.id', 'o.db_id')
    .leftJoin('memberships as m', (j) => j.onRef('m.db_id', '=', 'o.db_id').onRef('m.user_id', '=', 'o.user_id'))
    .select(['o.db_id', 'u.removed_at', 'd.name as db_name', 'd.offline', 'm.user_id as member', 'm.offline_right'])
    .where('o.device_id', '=', deviceId)
    .where('o.user_id', '=', userId)
    .orderBy('d.name')
    .execute();
}

export async function orderOf(db: Conn, orderId: string, deviceId: string, userId: string) {
  return db.selectFrom('wipe_orders').selectAll().where('id', '=', orderId).where('device_id', '=', deviceId).where('user_id', '=', userId).executeTakeFirst();
}
