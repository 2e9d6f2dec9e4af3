/** Offline Add-on endpoints: the caller's offline info, the delta sync, and a device's signed wipe orders. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RandomId } from '@safehold/protocol/api';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import type { Services } from '../services.js';

// The db name is checked by the services: a malformed one is "no such database" (404), like any other.
const DbParam = z.object({ db: z.string() }).strict();
const DeviceParam = z.object({ deviceId: RandomId }).strict();
const OrderParam = z.object({ deviceId: RandomId, orderId: RandomId }).strict();

export function registerOfflineRoutes(app: FastifyInstance, deps: AppDeps, s: Services): void {

  route(app, deps, E.offlineInfo, async ({ caller, params }) => s.sync.offlineInfo(caller, params.db), { params: DbParam });

  route(app, deps, E.syncChanges, async ({ caller, params, input }) => s.sync.syncPage(caller, params.db, input), { params: DbParam });

  // E5: queued offline changes, in order, each applied once (operation ids).
  route(app, deps, E.pushOffline, async ({ caller: { auth, scope }, input }) => ({ results: await s.offlinePush.pushOfflineOps(auth, scope, input.ops) }));

  // No session needed (a revoked device or a removed user has none left), but the request must be
  // signed by the device's own key (12.4): nobody else can take, or learn of, its orders.
  route(
    app,
    deps,
    E.deviceOrders,
    async ({ params, input }) => ({ orders: await s.wipeOrders.ordersForDevice(params.deviceId, input) }),
    { params: DeviceParam },
  );

  route(
    app,
    deps,
    E.ackOrder,
    async ({ params, input }) => {
      await s.wipeOrders.acknowledgeOrder(params.deviceId, params.orderId, input);
      return { ok: true };
    },
    { params: OrderParam },
  );
}
