/** Public account endpoints and the caller's own profile. */
import type { FastifyInstance } from 'fastify';
import { loadRotations } from '../../services/keysource.js';
import { z } from 'zod';
import {
  ChangePasswordRequest,
  DeviceKeyRequest,
  LoginRequest,
  Name,
  PreloginRequest,
  RegisterRequest,
  type Health,
  type Ok,
  type ServerKey,
  SigningKeyRequest,
} from '@safehold/protocol/api';
import { toB64 } from '@safehold/crypto';
import type { AppDeps } from '../deps.js';
import { noInput, noQuery, parse } from '../validate.js';
import { requireAuth, requireAuthWithToken } from '../auth.js';
import { changePassword, login, logout, me, prelogin, publicKeyOf, register, setDeviceKey, setSigningKey, type AccountsDeps } from '../../services/accounts.js';
import { SERVER_VERSION } from '../../config.js';
import { V1 } from '../paths.js';

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

  app.get(`${V1}/health`, async (): Promise<Health> => ({ ok: true, version: SERVER_VERSION }));

  app.get(`${V1}/server-key`, async (): Promise<ServerKey> => {
    const rotations = await loadRotations(deps.storage.db);
    return { signingPublicKey: toB64(deps.signer.publicKey), serverId: deps.serverId, ...(rotations.length > 0 ? { rotations } : {}) };
  });

  app.post(`${V1}/prelogin`, async (req) => {
    noQuery(req);
    const body = parse(PreloginRequest, req.body);
    return prelogin(deps.storage.db, body.user);
  });

  app.post(`${V1}/register`, async (req) => {
    noQuery(req);
    return register(accounts(), parse(RegisterRequest, req.body), req.ip);
  });

  app.post(`${V1}/login`, async (req) => {
    noQuery(req);
    return login(accounts(), parse(LoginRequest, req.body), req.ip);
  });

  app.post(`${V1}/logout`, async (req) => {
    const auth = await requireAuthWithToken(req, deps);
    noInput(req);
    await logout(deps.storage.db, deps.clock, auth, auth.tokenHash);
    return ok;
  });

  app.get(`${V1}/me`, async (req) => {
    const auth = await requireAuth(req, deps);
    noInput(req);
    return me(deps.storage.db, auth);
  });

  app.put(`${V1}/me/password`, async (req) => {
    const auth = await requireAuth(req, deps);
    noQuery(req);
    await changePassword(accounts(), auth, parse(ChangePasswordRequest, req.body), req.ip);
    return ok;
  });

  app.put(`${V1}/me/signing-key`, async (req) => {
    const auth = await requireAuth(req, deps);
    noQuery(req);
    await setSigningKey(deps.storage.db, auth, parse(SigningKeyRequest, req.body).signingKey);
    return ok;
  });

  // An existing device's key, at its first contact after the upgrade (12.4); set once, never replaced this way.
  app.put(`${V1}/me/device-key`, async (req) => {
    const auth = await requireAuth(req, deps);
    noQuery(req);
    await setDeviceKey(deps.storage.db, auth, parse(DeviceKeyRequest, req.body).publicKey);
    return ok;
  });

  app.get(`${V1}/users/:user/public-key`, async (req) => {
    const auth = await requireAuth(req, deps);
    noInput(req);
    const params = UserParam.safeParse(req.params);
    // A malformed name is "no such user", like any name the caller may not see.
    return publicKeyOf(deps.storage.db, auth, params.success ? params.data.user : '');
  });
}
