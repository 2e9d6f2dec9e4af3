/** Public account endpoints and the caller's own profile. */
import type { FastifyInstance } from 'fastify';
import { loadRotations } from '../../services/keysource.js';
import { z } from 'zod';
import { Name, type Ok } from '@safehold/protocol/api';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { toB64 } from '@safehold/crypto';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import type { Services } from '../services.js';
import { SERVER_VERSION } from '../../config.js';

const UserParam = z.object({ user: Name }).strict();

export function registerAccountRoutes(app: FastifyInstance, deps: AppDeps, s: Services): void {
  const ok: Ok = { ok: true };

  route(app, deps, E.health, async () => ({ ok: true, version: SERVER_VERSION }));

  route(app, deps, E.serverKey, async () => {
    const rotations = await loadRotations(deps.storage.db);
    return { signingPublicKey: toB64(deps.signer.publicKey), serverId: deps.serverId, ...(rotations.length > 0 ? { rotations } : {}) };
  });

  route(app, deps, E.prelogin, async ({ input }) => s.accounts.prelogin(input.user));

  route(app, deps, E.register, async ({ req, input }) => s.accounts.register(input, req.ip));

  route(app, deps, E.login, async ({ req, input }) => s.accounts.login(input, req.ip));

  route(app, deps, E.logout, async ({ caller, tokenHash }) => {
    await s.accounts.logout(caller, tokenHash ?? '');
    return ok;
  });

  route(app, deps, E.me, async ({ caller }) => s.accounts.me(caller));

  route(app, deps, E.changePassword, async ({ req, caller, input }) => {
    await s.accounts.changePassword(caller, input, req.ip);
    return ok;
  });

  route(app, deps, E.setSigningKey, async ({ caller, input }) => {
    await s.accounts.setSigningKey(caller, input.signingKey);
    return ok;
  });

  // An existing device's key, at its first contact after the upgrade (12.4); set once, never replaced this way.
  route(app, deps, E.setDeviceKey, async ({ caller, input }) => {
    await s.accounts.setDeviceKey(caller, input.publicKey);
    return ok;
  });

  route(app, deps, E.publicKey, async ({ req, caller }) => {
    const params = UserParam.safeParse(req.params);
    // A malformed name is "no such user", like any name the caller may not see.
    return s.accounts.publicKeyOf(caller, params.success ? params.data.user : '');
  });
}
