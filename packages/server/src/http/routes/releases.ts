/** Release requests of sealed records: ask, list mine, approve. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ReleaseRequestBody, type Release, type ReleaseList } from '@safehold/protocol/api';
import type { AppDeps } from '../deps.js';
import { noInput, noQuery, parse } from '../validate.js';
import { callerIn } from '../caller.js';
import { approveRelease, listReleases, requestRelease } from '../../services/releases.js';
import { V1 } from '../paths.js';

const RecordParams = z.object({ db: z.string(), id: z.string() }).strict();
const ReleaseParams = z.object({ db: z.string(), rid: z.string() }).strict();

export function registerReleaseRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(`${V1}/db/:db/records/:id/releases`, async (req): Promise<Release> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const { id } = parse(RecordParams, req.params, 'params');
    // The body is optional (no reason); a JSON null is not an object, so it is refused like any other non-object.
    const body = parse(ReleaseRequestBody, req.body === undefined ? {} : req.body);
    return requestRelease(deps.storage.db, deps.clock, auth, scope, id, body.reason, body.kind);
  });

  app.get(`${V1}/db/:db/releases`, async (req): Promise<ReleaseList> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    return { releases: await listReleases(deps.storage.db, deps.clock, auth, scope) };
  });

  app.post(`${V1}/db/:db/releases/:rid/approve`, async (req): Promise<Release> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    const { rid } = parse(ReleaseParams, req.params, 'params');
    return approveRelease(deps.storage.db, deps.clock, auth, scope, rid);
  });
}
