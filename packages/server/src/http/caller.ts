/** The caller of a database-scoped route (/v1/db/:db/...): its session and its membership of :db. */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAuth, type AuthContext } from './auth.js';
import type { AppDeps } from './deps.js';
import { parse } from './validate.js';
import { requireMember } from '../services/accounts.js';
import type { DbScope } from '../services/rights.js';

// Params are checked by the services: a malformed record id is "not found", like a record you may not read.
const DbParams = z.object({ db: z.string() }).passthrough();

export interface Caller {
  auth: AuthContext;
  scope: DbScope;
}

/** Authenticates the request and checks membership of :db (404 when missing or not a member). */
export async function callerIn(req: FastifyRequest, deps: AppDeps): Promise<Caller> {
  const auth = await requireAuth(req, deps);
  const { db } = parse(DbParams, req.params, 'params');
  const m = await requireMember(deps.storage.db, auth, db);
  return { auth, scope: { dbId: m.dbId, dbName: db } };
}
