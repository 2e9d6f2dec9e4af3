/**
 * Roles: named groups inside a database with their own key pair. Any member creates one (it becomes
 * its first member); only the role's creator adds or removes members, each add carrying the role's
 * private key wrapped for the new member. Membership changes go through the change counter, since
 * they change what the member may hold.
 */
import { randomId } from '@safehold/crypto';
import { SafeholdError } from '@safehold/protocol';
import type { CreateRoleRequest, RoleWire } from '@safehold/protocol/api';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import { inTransaction, logChange, nextSeq } from '../repositories/changelog.js';
import type { Conn } from '../repositories/db.js';
import type { Actor, DbScope } from './rights.js';
import { findRole, isUniqueViolation, memberIds, userNames } from '../repositories/lookup.js';
import * as R from '../repositories/roles.js';
import { userByName } from '../repositories/accounts.js';

type RoleRow = R.RoleRow;

async function toWire(db: Conn, actor: Actor, scope: DbScope, roles: readonly RoleRow[]): Promise<RoleWire[]> {
  if (roles.length === 0) return [];
  const members = await R.membersOf(db, roles.map((r) => r.id));
  const creators = await userNames(db, roles.map((r) => r.creator_id));
  return roles.map((r) => {
    const mine = members.filter((m) => m.role_id === r.id);
    return {
      name: r.name,
      db: scope.dbName,
      creator: creators.get(r.creator_id) ?? 'unknown',
      publicKey: r.public_key,
      members: mine.map((m) => m.name).sort(),
      myKey: mine.find((m) => m.user_id === actor.userId)?.member_key ?? null,
      // Absent (not null) while unsigned: the wire of an unsigned role stays as it was before 12.2.
      ...(r.key_signature ? { keySignature: JSON.parse(r.key_signature) as { payload: string; signature: string } } : {}),
    };
  });
}

async function roleOrNotFound(db: Conn, scope: DbScope, name: string): Promise<RoleRow> {
  const role = await findRole(db, scope.dbId, name);
  if (!role) throw new SafeholdError('not_found', `role ${name} not found`);
  return role;
}

function requireRoleCreator(role: RoleRow, actor: Actor): void {
  if (role.creator_id !== actor.userId) throw new SafeholdError('forbidden', "only the role's creator manages its members");
}

/** Roles, built once with their storage connection and clock (http/services.ts). */
export class RoleService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  /** Every role of the database, with the caller's wrapped role key where it is a member. */
  async listRoles(actor: Actor, scope: DbScope): Promise<RoleWire[]> {
    const db = this.db;
    const roles = await R.rolesOf(db, scope.dbId);
    return toWire(db, actor, scope, roles);
  }

  /** Creates a role (name unique per database, 409 otherwise); the creator is its first member. */
  async createRole(actor: Actor, scope: DbScope, req: CreateRoleRequest): Promise<RoleWire> {
    const db = this.db;
    const clock = this.clock;
    try {
      return await inTransaction(db, async (trx) => {
        if (await findRole(trx, scope.dbId, req.name)) throw new SafeholdError('conflict', `role ${req.name} already exists`);
        const now = clock.now();
        const role: RoleRow = {
          id: randomId(),
          db_id: scope.dbId,
          name: req.name,
          public_key: req.publicKey,
          creator_id: actor.userId,
          created_at: now,
          key_signature: req.keySignature ? JSON.stringify(req.keySignature) : null,
        };
        await R.insertRole(trx, role, { user_id: actor.userId, member_key: req.memberKey, created_at: now });
        await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'role_created', target: req.name });
        const [w] = await toWire(trx, actor, scope, [role]);
        return w as RoleWire;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SafeholdError('conflict', `role ${req.name} already exists`);
      throw e;
    }
  }

  /** Adds a member (role creator only), or replaces its wrapped role key; the user must be a member of the database. */
  async addRoleMember(actor: Actor, scope: DbScope, roleName: string, userName: string, memberKey: string): Promise<RoleWire> {
    const db = this.db;
    const clock = this.clock;
    return inTransaction(db, async (trx) => {
      const role = await roleOrNotFound(trx, scope, roleName);
      requireRoleCreator(role, actor);
      const userId = (await memberIds(trx, scope.dbId, [userName])).get(userName);
      if (!userId) throw new SafeholdError('not_found', `user ${userName} is not a member of this database`);
      // The counter first: it serialises concurrent adds of one member (no duplicate-key race).
      const seq = await nextSeq(trx, scope.dbId);
      await R.putMember(trx, { role_id: role.id, user_id: userId, member_key: memberKey, created_at: clock.now() });
      await logChange(trx, clock, scope.dbId, seq, { kind: 'role_member_added', roleId: role.id, userId });
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'role_member_added', target: roleName, detail: { member: userName } });
      const [w] = await toWire(trx, actor, scope, [role]);
      return w as RoleWire;
    });
  }

  /** Removes a member (role creator only); the member loses every right it held through the role. */
  async removeRoleMember(actor: Actor, scope: DbScope, roleName: string, userName: string): Promise<RoleWire> {
    const db = this.db;
    const clock = this.clock;
    return inTransaction(db, async (trx) => {
      const role = await roleOrNotFound(trx, scope, roleName);
      requireRoleCreator(role, actor);
      // A user removed from the database may still be listed in the role: look the name up server-wide.
      const user = await userByName(trx, userName);
      const member =
        user &&
        (await R.isMember(trx, role.id, user.id));
      if (!user || !member) throw new SafeholdError('not_found', `user ${userName} is not a member of role ${roleName}`);
      const seq = await nextSeq(trx, scope.dbId);
      await R.deleteMember(trx, role.id, user.id);
      await logChange(trx, clock, scope.dbId, seq, { kind: 'role_member_removed', roleId: role.id, userId: user.id });
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'role_member_removed', target: roleName, detail: { member: userName } });
      const [w] = await toWire(trx, actor, scope, [role]);
      return w as RoleWire;
    });
  }

  /**
   * Stores the signature of a role's public key (12.2): by its creator (signing a role made before signatures
   * existed) or a member. Clients verify it against the signer's pinned signing key; the server only checks who sends it.
   */
  async signRole(actor: Actor, scope: DbScope, roleName: string, keySignature: { payload: string; signature: string }): Promise<RoleWire> {
    const db = this.db;
    const clock = this.clock;
    return inTransaction(db, async (trx) => {
      const role = await roleOrNotFound(trx, scope, roleName);
      const member = await R.isMember(trx, role.id, actor.userId);
      if (!member) throw new SafeholdError('forbidden', 'only a member of the role signs its key');
      const value = JSON.stringify(keySignature);
      await R.setKeySignature(trx, role.id, value);
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'role_key_signed', target: roleName });
      const [w] = await toWire(trx, actor, scope, [{ ...role, key_signature: value }]);
      return w as RoleWire;
    });
  }
}
