/** Record endpoints under /v1/db/:db/records (and batch key adoption). Parse, authenticate, call a service. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Ok } from '@safehold/protocol/api';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import type { Services } from '../services.js';

// Params are checked by the services: a malformed record id is "not found", like a record you may not read.
const RecordParams = z.object({ db: z.string(), id: z.string() }).strict();
const withRecord = { params: RecordParams };

export function registerRecordRoutes(app: FastifyInstance, deps: AppDeps, s: Services): void {
  const ok: Ok = { ok: true };

  route(app, deps, E.listRecords, async ({ caller: { auth, scope } }) => ({ records: await s.records.listRecords(auth, scope) }));

  route(app, deps, E.createRecord, async ({ caller: { auth, scope }, input }) => s.records.createRecord(auth, scope, input));

  route(app, deps, E.getRecord, async ({ caller: { auth, scope }, params }) => s.records.getRecord(auth, scope, params.id), withRecord);

  route(app, deps, E.updateRecord, async ({ caller: { auth, scope }, params, input }) => s.records.updateRecord(auth, scope, params.id, input), withRecord);

  route(
    app,
    deps,
    E.deleteRecord,
    async ({ caller: { auth, scope }, params }) => {
      await s.records.deleteRecord(auth, scope, params.id);
      return ok;
    },
    withRecord,
  );

  route(app, deps, E.recordHistory, async ({ caller: { auth, scope }, params }) => s.records.recordHistory(auth, scope, params.id), withRecord);

  route(app, deps, E.getGrants, async ({ caller: { auth, scope }, params }) => s.grants.getGrants(auth, scope, params.id), withRecord);

  route(app, deps, E.putGrant, async ({ caller: { auth, scope }, params, input }) => s.grants.putGrant(auth, scope, params.id, input), withRecord);

  route(app, deps, E.deleteGrant, async ({ caller: { auth, scope }, params, input }) => s.grants.deleteGrant(auth, scope, params.id, input), withRecord);

  route(
    app,
    deps,
    E.adoptKeys,
    async ({ caller: { auth, scope }, params, input }) => {
      await s.grants.adoptKeys(auth, scope, params.id, input);
      return ok;
    },
    withRecord,
  );

  route(app, deps, E.adoptKeysBatch, async ({ caller: { auth, scope }, input }) => s.grants.adoptKeysBatch(auth, scope, input.keys));

  route(app, deps, E.setMask, async ({ caller: { auth, scope }, params, input }) => s.records.setMask(auth, scope, params.id, input.masked), withRecord);

  route(app, deps, E.sealRecord, async ({ caller: { auth, scope }, params, input }) => s.seals.sealRecord(auth, scope, params.id, input), withRecord);

  route(app, deps, E.unsealRecord, async ({ caller: { auth, scope }, params }) => s.seals.unsealRecord(auth, scope, params.id), withRecord);
}
