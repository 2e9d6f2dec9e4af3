/** Record endpoints under /v1/db/:db/records (and batch key adoption). Parse, authenticate, call a service. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Ok } from '@safehold/protocol/api';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import { createRecord, deleteRecord, getRecord, listRecords, recordHistory, setMask, updateRecord } from '../../services/records.js';
import { adoptKeys, adoptKeysBatch, deleteGrant, getGrants, putGrant } from '../../services/grants.js';
import { sealRecord, unsealRecord } from '../../services/seals.js';

// Params are checked by the services: a malformed record id is "not found", like a record you may not read.
const RecordParams = z.object({ db: z.string(), id: z.string() }).strict();
const withRecord = { params: RecordParams };

export function registerRecordRoutes(app: FastifyInstance, deps: AppDeps): void {
  const ok: Ok = { ok: true };
  const store = () => deps.storage.db;

  route(app, deps, E.listRecords, async ({ caller: { auth, scope } }) => ({ records: await listRecords(store(), deps.clock, auth, scope) }));

  route(app, deps, E.createRecord, async ({ caller: { auth, scope }, input }) => createRecord(store(), deps.clock, auth, scope, input));

  route(app, deps, E.getRecord, async ({ caller: { auth, scope }, params }) => getRecord(store(), deps.clock, auth, scope, params.id), withRecord);

  route(app, deps, E.updateRecord, async ({ caller: { auth, scope }, params, input }) => updateRecord(store(), deps.clock, auth, scope, params.id, input), withRecord);

  route(
    app,
    deps,
    E.deleteRecord,
    async ({ caller: { auth, scope }, params }) => {
      await deleteRecord(store(), deps.clock, auth, scope, params.id);
      return ok;
    },
    withRecord,
  );

  route(app, deps, E.recordHistory, async ({ caller: { auth, scope }, params }) => recordHistory(store(), deps.clock, auth, scope, params.id), withRecord);

  route(app, deps, E.getGrants, async ({ caller: { auth, scope }, params }) => getGrants(store(), auth, scope, params.id), withRecord);

  route(app, deps, E.putGrant, async ({ caller: { auth, scope }, params, input }) => putGrant(store(), deps.clock, auth, scope, params.id, input), withRecord);

  route(app, deps, E.deleteGrant, async ({ caller: { auth, scope }, params, input }) => deleteGrant(store(), deps.clock, auth, scope, params.id, input), withRecord);

  route(
    app,
    deps,
    E.adoptKeys,
    async ({ caller: { auth, scope }, params, input }) => {
      await adoptKeys(store(), deps.clock, auth, scope, params.id, input);
      return ok;
    },
    withRecord,
  );

  route(app, deps, E.adoptKeysBatch, async ({ caller: { auth, scope }, input }) => adoptKeysBatch(store(), deps.clock, auth, scope, input.keys));

  route(app, deps, E.setMask, async ({ caller: { auth, scope }, params, input }) => setMask(store(), deps.clock, auth, scope, params.id, input.masked), withRecord);

  route(app, deps, E.sealRecord, async ({ caller: { auth, scope }, params, input }) => sealRecord(store(), deps.clock, auth, scope, params.id, input), withRecord);

  route(app, deps, E.unsealRecord, async ({ caller: { auth, scope }, params }) => unsealRecord(store(), deps.clock, auth, scope, params.id), withRecord);
}
