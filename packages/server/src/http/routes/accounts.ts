/** Public account endpoints and the caller's own profile. */
import type { FastifyInstance } from 'fastify';
import { loadRotations } from '../../services/keysource.js';
import { z } from 'zod';
import { Name, type Ok } from '@safehold/protocol/api';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { toB64 } from '@safehold/crypto';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import { changePassword, login, logout, me, prelogin, publicKeyOf, register, setDeviceKey, setSigningKey, type AccountsDeps } from '../../services/accounts.js';
import { SERVER_VERSION } from '../../config.js';

const UserParam = z.object({ user: Name }).strict();

export function registerAccountRoutes(app: FastifyInstance, deps: AppDeps): void {
  const accounts = (): AccountsDeps => ({
    db: deps.storage.db,
    clock: deps.clock,
    signer: deps.signer,
    limits: deps.limits,
    ...(deps.authHasher ? { hashAuthKey: deps.authHasher } : {}),
  });
  const ok: Ok = { ok: true };

  route(app, deps, E.health, async () => ({ ok: true, version: SERVER_VERSION }));

  route(app, deps, E.serverKey, async () => {
    const rotations = await loadRotations(deps.storage.db);
    return { signingPublicKey: toB64(deps.signer.publicKey), serverId: deps.serverId, ...(rotations.length > 0 ? { rotations } : {}) };
  });

  route(app, deps, E.prelogin, async ({ input }) => prelogin(deps.storage.db, input.user));

  route(app, deps, E.register, async ({ req, input }) => register(accounts(), input, req.ip));

  route(app, deps, E.login, async ({ req, input }) => login(accounts(), input, req.ip));

  route(app, deps, E.logout, async ({ caller, tokenHash }) => {
    await logout(deps.storage.db, deps.clock, caller, tokenHash ?? '');
    return ok;
  });

  route(app, deps, E.me, async ({ caller }) => me(deps.storage.db, caller));

  route(app, deps, E.changePassword, async ({ req, caller, input }) => {
    await changePassword(accounts(), caller, input, req.ip);
    return ok;
  });

  route(app, deps, E.setSigningKey, async ({ caller, input }) => {
    await setSigningKey(deps.storage.db, caller, input.signingKey);
    return ok;
  });

  // An existing device's key, at its first contact after the upgrade (12.4); set once, never replaced this way.
  route(app, deps, E.setDeviceKey, async ({ caller, input }) => {
    await setDeviceKey(deps.storage.db, caller, input.publicKey);
    return ok;
  });

  route(app, deps, E.publicKey, async ({ req, caller }) => {
    const params = UserParam.safeParse(req.params);
    // A malformed name is "no such user", like any name the caller may not see.
    return publicKeyOf(deps.storage.db, caller, params.success ? params.data.user : '');
  });
}
