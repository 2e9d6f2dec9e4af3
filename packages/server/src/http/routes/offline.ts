/** Offline Add-on endpoints: the caller's offline info, the delta sync, and a device's signed wipe orders. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DeviceSigned, MAX_SYNC_LIMIT, PushRequest, RandomId, type Ok, type Orders, type PushResponse } from '@safehold/protocol/api';
import type { AppDeps } from '../deps.js';
import { noQuery, parse } from '../validate.js';
import { requireAuth } from '../auth.js';
import { offlineInfo, syncPage } from '../../services/sync.js';
import { acknowledgeOrder, ordersForDevice, type OfflineDeps } from '../../services/wipe.js';
import { pushOfflineOps } from '../../services/offlinepush.js';
import { callerIn } from '../caller.js';
import { V1 } from '../paths.js';

// The db name is checked by the services: a malformed one is "no such database" (404), like any other.
const DbParam = z.object({ db: z.string() }).strict();
const SyncQuery = z
  .object({
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_SYNC_LIMIT).optional(),
  })
  .strict();
const DeviceParam = z.object({ deviceId: RandomId }).strict();
const OrderParam = z.object({ deviceId: RandomId, orderId: RandomId }).strict();

export function registerOfflineRoutes(app: FastifyInstance, deps: AppDeps): void {
  const offline = (): OfflineDeps => ({ db: deps.storage.db, clock: deps.clock, signer: deps.signer, serverId: deps.serverId, dialect: deps.storage.dialect });

  app.get(`${V1}/db/:db/offline`, async (req) => {
    const auth = await requireAuth(req, deps);
    return offlineInfo(deps.storage.db, auth, parse(DbParam, req.params).db);
  });

  app.get(`${V1}/db/:db/offline/changes`, async (req) => {
    const auth = await requireAuth(req, deps);
    const { db } = parse(DbParam, req.params);
    const q = parse(SyncQuery, req.query);
    return syncPage(offline(), auth, db, q);
  });

  // E5: queued offline changes, in order, each applied once (operation ids).
  app.post(`${V1}/db/:db/offline/push`, async (req): Promise<PushResponse> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const body = parse(PushRequest, req.body);
    return { results: await pushOfflineOps(deps.storage.db, deps.clock, auth, scope, body.ops) };
  });

  // No session needed (a revoked device or a removed user has none left), but the request must be
  // signed by the device's own key (12.4): nobody else can take, or learn of, its orders.
  app.post(`${V1}/devices/:deviceId/orders`, async (req): Promise<Orders> => {
    noQuery(req);
    const { deviceId } = parse(DeviceParam, req.params);
    return { orders: await ordersForDevice(offline(), deviceId, parse(DeviceSigned, req.body)) };
  });

  app.post(`${V1}/devices/:deviceId/orders/:orderId/ack`, async (req): Promise<Ok> => {
    noQuery(req);
    const { deviceId, orderId } = parse(OrderParam, req.params);
    await acknowledgeOrder(offline(), deviceId, orderId, parse(DeviceSigned, req.body));
    return { ok: true };
  });
}
