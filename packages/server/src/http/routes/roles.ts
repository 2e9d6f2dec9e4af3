/** Roles of a database: list (with the caller's wrapped role key), create, add and remove members. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AddMemberRequest, CreateRoleRequest, RoleSignatureRequest, type RoleList, type RoleWire } from '@safehold/protocol/api';
import type { AppDeps } from '../deps.js';
import { noInput, noQuery, parse } from '../validate.js';
import { callerIn } from '../caller.js';
import { addRoleMember, createRole, listRoles, removeRoleMember, signRole } from '../../services/roles.js';
import { V1 } from '../paths.js';

// Unknown or malformed names simply match nothing: 404.
const MemberParams = z.object({ db: z.string(), role: z.string(), user: z.string() }).strict();
const RoleParams = z.object({ db: z.string(), role: z.string() }).strict();

export function registerRoleRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(`${V1}/db/:db/roles`, async (req): Promise<RoleList> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    return { roles: await listRoles(deps.storage.db, auth, scope) };
  });

  app.post(`${V1}/db/:db/roles`, async (req): Promise<RoleWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    return createRole(deps.storage.db, deps.clock, auth, scope, parse(CreateRoleRequest, req.body));
  });

  app.put(`${V1}/db/:db/roles/:role/members/:user`, async (req): Promise<RoleWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const p = parse(MemberParams, req.params, 'params');
    const body = parse(AddMemberRequest, req.body);
    return addRoleMember(deps.storage.db, deps.clock, auth, scope, p.role, p.user, body.memberKey);
  });

  app.delete(`${V1}/db/:db/roles/:role/members/:user`, async (req): Promise<RoleWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noInput(req);
    const p = parse(MemberParams, req.params, 'params');
    return removeRoleMember(deps.storage.db, deps.clock, auth, scope, p.role, p.user);
  });

  app.put(`${V1}/db/:db/roles/:role/signature`, async (req): Promise<RoleWire> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    const p = parse(RoleParams, req.params, 'params');
    const body = parse(RoleSignatureRequest, req.body);
    return signRole(deps.storage.db, deps.clock, auth, scope, p.role, body.keySignature);
  });
}
