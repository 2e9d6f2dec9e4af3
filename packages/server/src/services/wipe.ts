/**
 * Wipe orders (E2), computed from state: no queue is stored. An offline database exists on the server
 * as its offline_devices row; when the state says it may no longer exist (device revoked, user removed
 * from the database or the server, offline disabled for the database, offline right withdrawn), the
 * next contact of that device receives a wipe order signed with the server's key, and delivering it
 * deletes the row and its held set, so each order is delivered once and audited once.
 */
import type { Kysely } from 'kysely';
import type { Signed } from '@safehold/protocol/api';
import { wipePayload, wipeReason, type WipeReason } from '@safehold/domain';
import type { Tables } from '../storage/schema.js';
import type { Clock } from '../clock.js';
import type { ServerSigner } from './serverkey.js';
import { writeAudit } from './audit.js';

/** What the offline services need: storage, time, the signing key and the server's identity. */
export interface OfflineDeps {
  db: Kysely<Tables>;
  clock: Clock;
  signer: ServerSigner;
  /** Stable identity of this server, carried in leases and orders. */
  serverId: string;
  /** The storage's SQL dialect (some queries are shaped for each planner). */
  dialect: 'sqlite' | 'postgres';
}

/** Signs `payload` (as its JSON text) with the server key. */
export function signPayload(signer: ServerSigner, payload: object): Signed {
  const text = JSON.stringify(payload);
  return { payload: text, signature: signer.sign(text) };
}

/** One offline database as the server knows it. */
export interface OfflineTarget {
  deviceId: string;
  userId: string;
  userName: string;
  dbId: string;
  dbName: string;
}

/**
 * Delivers a wipe order: deletes the offline_devices row and its held set and audits 'offline_wipe',
 * in one transaction. Returns the signed order, or null when a concurrent request delivered it first.
 */
export async function deliverWipe(deps: OfflineDeps, t: OfflineTarget, reason: WipeReason): Promise<Signed | null> {
  const delivered = await deps.db.transaction().execute(async (trx) => {
    const deleteTargetRows = (table: 'offline_devices' | 'offline_held') =>
      trx.deleteFrom(table).where('device_id', '=', t.deviceId).where('user_id', '=', t.userId).where('db_id', '=', t.dbId).executeTakeFirst();
    const del = await deleteTargetRows('offline_devices');
    if (Number(del.numDeletedRows) === 0) return false;
    const held = await deleteTargetRows('offline_held');
    await writeAudit(trx, deps.clock, {
      db: t.dbName,
      actor: t.userName,
      action: 'offline_wipe',
      target: t.deviceId,
      detail: { reason, device: t.deviceId, records: Number(held.numDeletedRows) },
    });
    return true;
  });
  if (!delivered) return null;
  return signPayload(
    deps.signer,
    wipePayload({ server: deps.serverId, user: t.userName, device: t.deviceId, db: t.dbName, reason, now: deps.clock.now() }),
  );
}

/**
 * Every wipe order due now for the offline databases of one device (any of its accounts). For the
 * public orders endpoint: a revoked device or a removed user has no session left to sync with.
 * Nothing for an unknown device, or one whose offline databases may all stay.
 */
export async function ordersForDevice(deps: OfflineDeps, deviceId: string): Promise<Signed[]> {
  const rows = await deps.db
    .selectFrom('offline_devices as o')
    .innerJoin('users as u', 'u.id', 'o.user_id')
    .innerJoin('databases as d', 'd.id', 'o.db_id')
    .leftJoin('memberships as m', (j) => j.onRef('m.db_id', '=', 'o.db_id').onRef('m.user_id', '=', 'o.user_id'))
    .select([
      'o.device_id',
      'o.user_id',
      'o.db_id',
      'u.name as user_name',
      'u.removed_at',
      'd.name as db_name',
      'd.offline',
      'm.user_id as member',
      'm.offline_right',
    ])
    .where('o.device_id', '=', deviceId)
    .orderBy('d.name')
    .orderBy('u.name')
    .execute();
  if (rows.length === 0) return [];
  // A device id revoked for one account of a home is revoked for all of them (as at login).
  const revoked = await deps.db
    .selectFrom('devices')
    .select('id')
    .where('id', '=', deviceId)
    .where('revoked_at', 'is not', null)
    .executeTakeFirst();
  const orders: Signed[] = [];
  for (const r of rows) {
    const reason = wipeReason({
      deviceRevoked: revoked !== undefined,
      userRemoved: r.removed_at !== null || r.member === null,
      offlineEnabled: r.offline === 1,
      offlineRight: r.offline_right === 1,
    });
    if (!reason) continue;
    const order = await deliverWipe(
      deps,
      { deviceId: r.device_id, userId: r.user_id, userName: r.user_name, dbId: r.db_id, dbName: r.db_name },
      reason,
    );
    if (order) orders.push(order);
  }
  return orders;
}
