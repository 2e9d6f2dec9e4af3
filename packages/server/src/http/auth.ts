/** Session check for authenticated routes: `Authorization: Bearer <token>`. */
import type { FastifyRequest } from 'fastify';
import { SafeholdError } from '@safehold/protocol';
import type { AppDeps } from './deps.js';
import { authenticate } from '../services/accounts.js';
import type { Caller } from '../caller.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{20,200})$/;

/** The bearer token of a request, or unauthorized. */
export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? BEARER.exec(h) : null;
  if (!m || !m[1]) throw new SafeholdError('unauthorized', 'missing or malformed session token; log in');
  return m[1];
}

/** The caller of `req`, from its session. Throws unauthorized (no, unknown or expired session) or device_revoked. */
export async function requireAuth(req: FastifyRequest, deps: AppDeps): Promise<Caller> {
  const { userId, user, deviceId, admin } = await authenticate(deps.storage.db, deps.clock, bearerToken(req));
  return { userId, user, deviceId, admin };
}

/** Like requireAuth, also returning the session's token hash (for logout). */
export async function requireAuthWithToken(req: FastifyRequest, deps: AppDeps): Promise<Caller & { tokenHash: string }> {
  const { userId, user, deviceId, admin, tokenHash } = await authenticate(deps.storage.db, deps.clock, bearerToken(req));
  return { userId, user, deviceId, admin, tokenHash };
}
