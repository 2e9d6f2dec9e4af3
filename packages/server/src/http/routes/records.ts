/** Record endpoints under /v1/db/:db/records (and batch key adoption). Parse, authenticate, call a service. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AdoptBatchRequest,
  AdoptKeysRequest,
  CreateRecordRequest,
  GrantRequest,
  MaskRequest,
  Name,
  SealRequest,
  UpdateRecordRequest,
  type AdoptBatchResponse,
  type Grants,
  type History,
  type Ok,
  type RecordList,
  type RecordWire,
} from '@safehold/protocol/api';
import type { AppDeps } from '../deps.js';
import { noBody, noInput, noQuery, parse } from '../validate.js';
import { callerIn } from '../caller.js';
import { createRecord, deleteRecord, getRecord, listRecords, recordHistory, setMask, updateRecord } from '../../services/records.js';
import { adoptKeys, adoptKeysBatch, deleteGrant, getGrants, putGrant } from '../../services/grants.js';
import { sealRecord, unsealRecord } from '../../services/seals.js';
import { V1 } from '../paths.js';

// Params are checked by the services: a malformed record id is "not found", like a record you may not read.
const RecordParams = z.object({ db: z.string(), id: z.string() }).strict();
const GrantQuery = z.union([z.object({ user: Name }).strict(), z.object({ role: Name }).strict()]);

export function registerRecordRoutes(app: FastifyInstance, deps: AppDeps): void {
  const ok: Ok = { ok: true };
  const store = () => deps.storage.db;
  const recordId = (req: FastifyRequest): string => parse(RecordParams, req.params, 'params').id;

  app.get(`${V1}/db/:db/records`, async (req): Promise<RecordList> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    return { records: await listRecords(store(), deps.clock, auth, scope) };
  });

  app.post(`${V1}/db/:db/records`, async (req): Promise<RecordWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    return createRecord(store(), deps.clock, auth, scope, parse(CreateRecordRequest, req.body));
  });

  app.get(`${V1}/db/:db/records/:id`, async (req): Promise<RecordWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    return getRecord(store(), deps.clock, auth, scope, recordId(req));
  });

  app.put(`${V1}/db/:db/records/:id`, async (req): Promise<RecordWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const id = recordId(req);
    return updateRecord(store(), deps.clock, auth, scope, id, parse(UpdateRecordRequest, req.body));
  });

  app.delete(`${V1}/db/:db/records/:id`, async (req): Promise<Ok> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    await deleteRecord(store(), deps.clock, auth, scope, recordId(req));
    return ok;
  });

  app.get(`${V1}/db/:db/records/:id/history`, async (req): Promise<History> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    return recordHistory(store(), deps.clock, auth, scope, recordId(req));
  });

  app.get(`${V1}/db/:db/records/:id/grants`, async (req): Promise<Grants> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    return getGrants(store(), auth, scope, recordId(req));
  });

  app.put(`${V1}/db/:db/records/:id/grants`, async (req): Promise<Grants> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const id = recordId(req);
    return putGrant(store(), deps.clock, auth, scope, id, parse(GrantRequest, req.body));
  });

  app.delete(`${V1}/db/:db/records/:id/grants`, async (req): Promise<Grants> => {
    const { auth, scope } = await callerIn(req, deps);
    noBody(req);
    const id = recordId(req);
    return deleteGrant(store(), deps.clock, auth, scope, id, parse(GrantQuery, req.query, 'query'));
  });

  app.put(`${V1}/db/:db/records/:id/keys`, async (req): Promise<Ok> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const id = recordId(req);
    await adoptKeys(store(), deps.clock, auth, scope, id, parse(AdoptKeysRequest, req.body));
    return ok;
  });

  app.post(`${V1}/db/:db/keys/adopt`, async (req): Promise<AdoptBatchResponse> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    return adoptKeysBatch(store(), deps.clock, auth, scope, parse(AdoptBatchRequest, req.body).keys);
  });

  app.put(`${V1}/db/:db/records/:id/mask`, async (req): Promise<RecordWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const id = recordId(req);
    return setMask(store(), deps.clock, auth, scope, id, parse(MaskRequest, req.body).masked);
  });

  app.put(`${V1}/db/:db/records/:id/seal`, async (req): Promise<RecordWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const id = recordId(req);
    return sealRecord(store(), deps.clock, auth, scope, id, parse(SealRequest, req.body));
  });

  app.delete(`${V1}/db/:db/records/:id/seal`, async (req): Promise<RecordWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    return unsealRecord(store(), deps.clock, auth, scope, recordId(req));
  });
}
