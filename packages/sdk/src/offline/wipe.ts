/**
 * Wipe orders (E2): a signed order from a sync answer, or from POST /devices/:id/orders (signed by the
 * device key, 12.4) when the server refuses this device, is verified against the pinned server key and
 * the local offline database instance (12.5), then crypto-shreds the offline database(s) it names and
 * is acknowledged (signed too). An unsigned, wrongly signed or older-instance order is ignored (with a warning).
 */
import { verifyWipeOrder, wipeReasonText } from '@safehold/domain';
import { SafeholdError, asDeviceId, asOrderId } from '@safehold/protocol';
import type { Orders} from '@safehold/protocol/api';
import type { Signed, WipePayload } from '@safehold/protocol/api';
import { OfflineDatabase } from '@safehold/store';
import type { ClientContext } from '../context.js';
import { hasOfflineDatabase, locate, statusOf, type OfflineTarget } from './locate.js';
import { signDeviceRequest } from '../devicekey.js';
import { fromB64, verifySignature } from '../keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** Verifies `signed` and, when it is a genuine order for this device and user, shreds what it names. */
export function applyWipeOrder(ctx: Pick<ClientContext, 'events' | 'clock'>, target: OfflineTarget, pinnedKeyB64: string, signed: Signed): WipePayload | null {
  const st = statusOf(target);
  const local = st?.instance && st.instanceCreatedAt ? { instance: st.instance, instanceCreatedAt: st.instanceCreatedAt } : null;
  const check = verifyWipeOrder(signed, fromB64(pinnedKeyB64), verifySignature, target.ident, local);
  if (!check.ok) {
    ctx.events.warning(
      check.why === 'older_instance'
        ? 'ignored a wipe order for an older instance of this offline database (a replayed order)'
        : `ignored a wipe order that is not validly signed by the pinned server key (${check.why})`,
    );
    return null;
  }
  const order = check.order;
  const now = new Date(ctx.clock()).toISOString();
  const victims = order.db === null ? sameAccountTargets(target) : [{ database: target.database, db: target.ident.db }];
  for (const v of victims) {
    v.database.wipe({ ...target.ident, db: v.db, reason: order.reason, wipedAt: now, issuedAt: order.issuedAt });
  }
  ctx.events.notice(`offline database wiped: ${wipeReasonText(order.reason)}`);
  return order;
}

/** Every offline database of the same server, user and device in the target's directory. */
function sameAccountTargets(target: OfflineTarget): Array<{ database: OfflineDatabase; db: string }> {
  const { server, user, device, db } = target.ident;
  const others = OfflineDatabase.scan(target.paths.dir, (sc) => sc.server === server && sc.user === user && sc.device === device && sc.db !== db, 'skip');
  return [{ database: target.database, db }, ...others.map((o) => ({ database: o.database, db: o.sidecar.db }))];
}

/** The error a command sees after a wipe. */
export function wipedError(order: WipePayload): SafeholdError {
  return new SafeholdError('offline_wiped', `the offline database was wiped: ${wipeReasonText(order.reason)}`, { reason: order.reason });
}

/**
 * Codes with which the server refuses this device or user: time to ask for orders. bad_credentials is
 * one (12.3): the local unlock already proved the master password, so a re-login refused as
 * bad_credentials means the server no longer knows this account (a removed user).
 */
export function isRefusal(e: unknown): boolean {
  return (
    e instanceof SafeholdError &&
    ['unauthorized', 'bad_credentials', 'device_revoked', 'not_found', 'forbidden', 'offline_not_enabled', 'offline_no_right'].includes(e.code)
  );
}

type OrdersContext = Pick<ClientContext, 'api' | 'device' | 'events' | 'clock' | 'accountFile' | 'keyring'>;

/** Tells the server that this device wiped (signed by the device key); a failure only warns: the order is then delivered again. */
export async function acknowledgeWipe(ctx: OrdersContext, order: WipePayload): Promise<void> {
  if (!order.id || !ctx.accountFile.deviceKey) return;
  try {
    await ctx.api.call(E.ackOrder, { deviceId: asDeviceId(ctx.device.id), orderId: asOrderId(order.id) }, signDeviceRequest(ctx, order.id));
  } catch {
    ctx.events.warning('could not acknowledge the wipe to the server; it will be acknowledged at the next contact');
  }
}

/** This device's pending orders, asked with a request signed by its device key; null when the server gives none. */
async function requestOrders(ctx: OrdersContext): Promise<Orders | null> {
  try {
    return await ctx.api.call(E.deviceOrders, { deviceId: asDeviceId(ctx.device.id) }, signDeviceRequest(ctx, null));
  } catch {
    return null;
  }
}

/** Fetches this device's orders (a request signed by its device key) and applies, then acknowledges, the first genuine one. */
export async function fetchAndApplyOrders(ctx: OrdersContext, target: OfflineTarget, pinnedKeyB64: string): Promise<WipePayload | null> {
  if (!ctx.accountFile.deviceKey) return null;
  const orders = await requestOrders(ctx);
  if (!orders) return null;
  for (const o of orders.orders) {
    const applied = applyWipeOrder(ctx, target, pinnedKeyB64, o);
    if (applied) {
      await acknowledgeWipe(ctx, applied);
      return applied;
    }
  }
  return null;
}

/** Refusals of the account or device as a whole (as opposed to one record): worth asking for wipe orders after any command. */
const ACCOUNT_REFUSALS = new Set(['unauthorized', 'bad_credentials', 'device_revoked', 'not_found', 'forbidden', 'offline_not_enabled', 'offline_no_right']);

/**
 * 12.3: after a command of this account was refused, asks for this device's wipe orders (one request
 * signed by the device key, and only when an offline database of the account exists here) and applies
 * each genuine one to the offline database it names. Returns the orders applied; never throws.
 */
export async function wipeOnRefusal(ctx: ClientContext, error: unknown): Promise<WipePayload[]> {
  if (!(error instanceof SafeholdError) || !ACCOUNT_REFUSALS.has(error.code) || !ctx.accountFile.deviceKey) return [];
  const { server, user } = ctx.account;
  const dbs = new Set([...ctx.accountFile.databases.map((d) => d.name), ...(ctx.account.db ? [ctx.account.db] : [])]);
  const targets = new Map<string, OfflineTarget>();
  for (const db of dbs) {
    const t = locate(ctx.home, server, user, db, ctx.device.id);
    if (hasOfflineDatabase(t)) targets.set(db, t);
  }
  if (targets.size === 0) return [];
  const orders = await requestOrders(ctx);
  if (!orders) return [];
  const applied: WipePayload[] = [];
  for (const o of orders.orders) {
    let db: string | null = null;
    try {
      db = (JSON.parse(o.payload) as { db?: string | null }).db ?? null;
    } catch {
      continue;
    }
    const t = db !== null ? targets.get(db) : undefined;
    const sc = t ? t.database.sidecar() : null;
    if (!t || !sc) continue;
    const order = applyWipeOrder(ctx, t, sc.signingPublicKey, o);
    if (order) {
      applied.push(order);
      targets.delete(t.ident.db);
      ctx.events.warning(`the offline database of ${t.ident.db} was wiped: ${wipeReasonText(order.reason)}`);
      await acknowledgeWipe(ctx, order);
    }
  }
  return applied;
}
