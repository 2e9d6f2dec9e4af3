/** The caller of a database-scoped route (/v1/db/:db/...): its session and its membership of :db. */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAuth } from './auth.js';
import type { AppDeps } from './deps.js';
import { parse } from './validate.js';
import { requireMember } from '../services/accounts.js';
import type { Caller, DbScope } from '../caller.js';

// Params are checked by the services: a malformed record id is "not found", like a record you may not read.
const DbParams = z.object({ db: z.string() }).passthrough();

/** A database-scoped request: the Caller and the database it works in. */
export interface ScopedRequest {
  auth: Caller;
  scope: DbScope;
}

/** Authenticates the request and checks membership of :db (404 when missing or not a member). */
export async function callerIn(req: FastifyRequest, deps: AppDeps): Promise<ScopedRequest> {
  const auth = await requireAuth(req, deps);
  const { db } = parse(DbParams, req.params, 'params');
  const m = await requireMember(deps.storage.db, auth, db);
  return { auth, scope: { dbId: m.dbId, dbName: db } };
}
