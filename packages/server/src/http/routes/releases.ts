/** Release requests of sealed records: ask, list mine, approve. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import type { Services } from '../services.js';

const RecordParams = z.object({ db: z.string(), id: z.string() }).strict();
const ReleaseParams = z.object({ db: z.string(), rid: z.string() }).strict();

export function registerReleaseRoutes(app: FastifyInstance, deps: AppDeps, s: Services): void {
  // The body is optional (no reason); a JSON null is not an object, so it is refused like any other non-object.
  route(
    app,
    deps,
    E.requestRelease,
    async ({ caller: { auth, scope }, params, input }) => s.releases.requestRelease(auth, scope, params.id, input.reason, input.kind),
    { params: RecordParams },
  );

  route(app, deps, E.listReleases, async ({ caller: { auth, scope } }) => ({ releases: await s.releases.listReleases(auth, scope) }));

  route(
    app,
    deps,
    E.approveRelease,
    async ({ caller: { auth, scope }, params }) => s.releases.approveRelease(auth, scope, params.rid),
    { params: ReleaseParams },
  );
}
