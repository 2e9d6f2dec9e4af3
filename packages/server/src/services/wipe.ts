/**
 * Wipe orders (E2; issue 12.3-12.5). When the state says an offline database may no longer exist
 * (device revoked, user removed from the database or the server, offline disabled for the database,
 * offline right withdrawn), the next contact of that device gets a wipe order signed with the server's
 * key. Issuing the order deletes the server's record of that offline database (its offline_devices row
 * and held set) and stores the order, bound to the instance it is for (instance id + creation time),
 * until the device acknowledges the wipe: an answer lost on the way is delivered again, and the audit
 * log says "delivered" and "acknowledged" separately. Orders outside a sync answer are fetched only by
 * the device itself, with a request signed by its device key (devices.public_key).
 */
import { SafeholdError, deviceRequestMessage } from '@safehold/protocol';
import type { DeviceSigned, Signed } from '@safehold/protocol/api';
import { fromB64, randomId, verify } from '@safehold/crypto';
import { wipePayload, wipeReason, type WipeReason } from '@safehold/domain';
import type { WipeOrdersTable } from '../storage/schema.js';
import { inTransaction, type Conn } from '../repositories/db.js';
import * as W from '../repositories/wipeorders.js';
import type { OfflineCopyKey } from '../repositories/offline.js';
import { revokedDeviceId } from '../repositories/accounts.js';
import { dbNameOf } from '../repositories/databases.js';
import type { Clock } from '../clock.js';
import type { ServerSigner } from './serverkey.js';
import { writeAudit } from './audit.js';

/** What the offline services need: storage, time, the signing key and the server's identity. */
export interface OfflineDeps {
  db: Conn;
  clock: Clock;
  signer: ServerSigner;
  /** Stable identity of this server, carried in leases and orders. */
  serverId: string;
  /** The storage's SQL dialect (some queries are shaped for each planner). */
  dialect: 'sqlite' | 'postgres';
}

/** How far a device's signed request time may be from the server's clock. */
export const DEVICE_REQUEST_SKEW_MS = 5 * 60_000;

/** Signs `payload` (as its JSON text) with the server key. */
export function signPayload(signer: ServerSigner, payload: object): Signed {
  const text = JSON.stringify(payload);
  return { payload: text, signature: signer.sign(text) };
}

/** One device's offline copy of one database, as the server knows it (the SDK's OfflineTarget is its files). */
export interface OfflineCopy extends OfflineCopyKey {
  userName: string;
  dbName: string;
}

type OrderRow = WipeOrdersTable;

/**
 * Issues the wipe order of one offline database: in one transaction, deletes its offline_devices row
 * and held set and stores the signed order. Null when there is no such row (a concurrent request
 * issued it first: that order is then the pending one).
 */
async function issueWipe(deps: OfflineDeps, t: OfflineCopy, reason: WipeReason): Promise<OrderRow | null> {
  return inTransaction(deps.db, async (trx) => {
    const dropped = await W.dropOfflineCopy(trx, t);
    if (!dropped) return null;
    const { row, heldCount } = dropped;
    const now = deps.clock.now();
    const id = randomId();
    const instanceId = row.instance_id ?? 'legacy';
    const signed = signPayload(
      deps.signer,
      wipePayload({
        server: deps.serverId,
        user: t.userName,
        device: t.deviceId,
        db: t.dbName,
        reason,
        now,
        id,
        instance: { id: instanceId, createdAt: Number(row.created_at) },
      }),
    );
    const order: OrderRow = {
      id,
      device_id: t.deviceId,
      user_id: t.userId,
      db_id: t.dbId,
      instance_id: instanceId,
      reason,
      records: heldCount,
      payload: signed.payload,
      signature: signed.signature,
      issued_at: now,
      delivered_at: null,
      acknowledged_at: null,
      superseded_at: null,
    };
    await W.insertOrder(trx, order);
    return order;
  });
}

/** Marks orders delivered; the first delivery of each is audited 'offline_wipe_delivered'. */
async function deliver(deps: OfflineDeps, orders: readonly OrderRow[], names: { user: string; db: (dbId: string) => Promise<string> }): Promise<Signed[]> {
  const now = deps.clock.now();
  for (const o of orders) {
    if (await W.markDelivered(deps.db, o.id, now)) {
      await writeAudit(deps.db, deps.clock, {
        db: await names.db(o.db_id),
        actor: names.user,
        action: 'offline_wipe_delivered',
        target: o.device_id,
        detail: { reason: o.reason, device: o.device_id, records: Number(o.records), order: o.id },
      });
    }
  }
  return orders.map((o) => ({ payload: o.payload, signature: o.signature }));
}

/** Pending (unacknowledged, not superseded) orders of a device for one account, optionally one database. */
async function pendingOrders(deps: OfflineDeps, deviceId: string, userId: string, dbId?: string): Promise<OrderRow[]> {
  return W.pendingOrders(deps.db, deviceId, userId, dbId);
}

/**
 * For a sync of the target's database that the state refuses: issues the order when the device still
 * holds an offline database, else returns the one still pending; null when there is none.
 */
export async function wipeForSync(deps: OfflineDeps, t: OfflineCopy, reason: WipeReason | null, holds: boolean): Promise<Signed | null> {
  if (reason && holds) await issueWipe(deps, t, reason);
  const pending = await pendingOrders(deps, t.deviceId, t.userId, t.dbId);
  const last = pending[pending.length - 1];
  if (!last) return null;
  const [signed] = await deliver(deps, [last], { user: t.userName, db: async () => t.dbName });
  return signed ?? null;
}

/** Marks the pending orders of (device, user, db) moot: a new offline database instance replaced the wiped one. */
export async function supersedeOrders(db: Conn, now: number, t: OfflineCopyKey): Promise<void> {
  await W.supersede(db, now, t);
}

/**
 * The account of a device request signed with its device key: the (device, user) row whose key verifies
 * the signature over deviceRequestMessage, with `at` within DEVICE_REQUEST_SKEW_MS. The user may be
 * removed or the device revoked: that is what the request is for. One answer for every failure.
 */
async function verifyDeviceRequest(deps: OfflineDeps, deviceId: string, orderId: string | null, req: DeviceSigned): Promise<{ userId: string; userName: string }> {
  const refused = new SafeholdError('unauthorized', 'the request is not signed by the key of this device');
  const at = Date.parse(req.at);
  if (!Number.isFinite(at) || Math.abs(deps.clock.now() - at) > DEVICE_REQUEST_SKEW_MS) {
    throw new SafeholdError('unauthorized', 'the signed request is too old or from the future: check the clock of this device');
  }
  const rows = await W.deviceKeysOf(deps.db, deviceId, req.user);
  let sig: Uint8Array;
  try {
    sig = fromB64(req.signature);
  } catch {
    throw refused;
  }
  const message = deviceRequestMessage({ device: deviceId, user: req.user, at: req.at, orderId });
  for (const r of rows) {
    if (!r.public_key) continue;
    let key: Uint8Array;
    try {
      key = fromB64(r.public_key);
    } catch {
      continue;
    }
    if (key.byteLength === 32 && sig.byteLength === 64 && verify(key, message, sig)) return { userId: r.user_id, userName: r.name };
  }
  throw refused;
}

/** A device's signed wipe-order requests, built once with the OfflineDeps (http/services.ts). */
export class WipeOrderService {
  constructor(private readonly deps: OfflineDeps) {}

  /**
   * The wipe orders of one account on a device (POST /devices/:id/orders, signed by the device key):
   * orders due now by the state are issued, then every pending one is delivered (again, until acknowledged).
   */
  async ordersForDevice(deviceId: string, req: DeviceSigned): Promise<Signed[]> {
    const deps = this.deps;
    const who = await verifyDeviceRequest(deps, deviceId, null, req);
    const rows = await W.offlineCopiesOnDevice(deps.db, deviceId, who.userId);
    if (rows.length > 0) {
      // A device id revoked for one account of a home is revoked for all of them (as at login).
      const revoked = await revokedDeviceId(deps.db, deviceId);
      for (const r of rows) {
        const reason = wipeReason({
          deviceRevoked: revoked !== undefined,
          userRemoved: r.removed_at !== null || r.member === null,
          offlineEnabled: r.offline === 1,
          offlineRight: r.offline_right === 1,
        });
        if (reason) await issueWipe(deps, { deviceId, userId: who.userId, userName: who.userName, dbId: r.db_id, dbName: r.db_name }, reason);
      }
    }
    const pending = await pendingOrders(deps, deviceId, who.userId);
    return deliver(deps, pending, { user: who.userName, db: (dbId) => dbNameOf(deps.db, dbId) });
  }

  /** The device acknowledges that it wiped (POST /devices/:id/orders/:orderId/ack, signed by the device key); idempotent. */
  async acknowledgeOrder(deviceId: string, orderId: string, req: DeviceSigned): Promise<void> {
    const deps = this.deps;
    const who = await verifyDeviceRequest(deps, deviceId, orderId, req);
    const o = await W.orderOf(deps.db, orderId, deviceId, who.userId);
    if (!o) throw new SafeholdError('not_found', 'no such wipe order for this device');
    const now = deps.clock.now();
    if (!(await W.markAcknowledged(deps.db, orderId, now))) return;
    await writeAudit(deps.db, deps.clock, {
      db: await dbNameOf(deps.db, o.db_id),
      actor: who.userName,
      action: 'offline_wipe_acknowledged',
      target: deviceId,
      detail: { reason: o.reason, device: deviceId, order: orderId },
    });
  }
}
