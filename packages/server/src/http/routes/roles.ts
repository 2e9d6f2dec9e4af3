/** Roles of a database: list (with the caller's wrapped role key), create, add and remove members. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import type { Services } from '../services.js';

// Unknown or malformed names simply match nothing: 404.
const MemberParams = z.object({ db: z.string(), role: z.string(), user: z.string() }).strict();
const RoleParams = z.object({ db: z.string(), role: z.string() }).strict();

export function registerRoleRoutes(app: FastifyInstance, deps: AppDeps, s: Services): void {

  route(app, deps, E.listRoles, async ({ caller: { auth, scope } }) => ({ roles: await s.roles.listRoles(auth, scope) }));

  route(app, deps, E.createRole, async ({ caller: { auth, scope }, input }) => s.roles.createRole(auth, scope, input));

  route(
    app,
    deps,
    E.addRoleMember,
    async ({ caller: { auth, scope }, params: p, input }) => s.roles.addRoleMember(auth, scope, p.role, p.user, input.memberKey),
    { params: MemberParams },
  );

  route(
    app,
    deps,
    E.removeRoleMember,
    async ({ caller: { auth, scope }, params: p }) => s.roles.removeRoleMember(auth, scope, p.role, p.user),
    { params: MemberParams },
  );

  route(
    app,
    deps,
    E.signRole,
    async ({ caller: { auth, scope }, params: p, input }) => s.roles.signRole(auth, scope, p.role, input.keySignature),
    { params: RoleParams },
  );
}
