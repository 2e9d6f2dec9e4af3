/**
 * The Server Manager's operations (spec §3.1), on storage directly. Used by the `safehold-server`
 * binary and by the testkit in process. Every action is audited with actor 'admin'. Nothing is
 * cached, so a running server sees each change at its next request.
 */
import { SafeholdError, isName } from '@safehold/protocol';
import { inTransaction, type Conn } from '../repositories/db.js';
import * as A from '../repositories/accounts.js';
import * as D from '../repositories/databases.js';
import { roleMemberNames, rolesWithCreators } from '../repositories/roles.js';
import { isUniqueViolation } from '../repositories/lookup.js';
import type { Clock } from '../clock.js';
import { DEFAULT_OFFLINE_DAYS, INVITE_TTL_MS } from '../config.js';
import { writeAudit, listAudit, type AuditEntry } from './audit.js';
import { hashSecret, newId as randomId, randomSecret } from './tokens.js';

const ACTOR = 'admin';

export interface DbSummary {
  name: string;
  offline: boolean;
  members: number;
  createdAt: string;
}

export interface UserSummary {
  name: string;
  admin: boolean;
  offline: boolean;
  offlineDays: number;
  /** E5: may add, edit and delete records offline (the second part of the offline right). */
  offlineEdits: boolean;
  /** The database of this membership (null for a user in no database). */
  db: string | null;
  registered: boolean;
}

export interface RoleSummary {
  name: string;
  creator: string;
  members: string[];
}

export interface DeviceSummary {
  id: string;
  user: string;
  name: string;
  createdAt: string;
  lastSeenAt: string;
  revoked: boolean;
}

function checkName(kind: string, name: string): void {
  if (!isName(name)) throw new SafeholdError('bad_request', `invalid ${kind} name '${name.slice(0, 80)}': letters, digits, . _ - (at most 64)`);
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class AdminService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  private async dbByName(name: string): Promise<{ id: string; offline: number }> {
    const row = isName(name) ? await D.databaseByName(this.db, name) : undefined;
    if (!row) throw new SafeholdError('not_found', `no database '${name.slice(0, 80)}'`);
    return row;
  }

  /** The live user of that name (a removed one's name may belong to a new user now, 12.7). */
  private async userByName(name: string) {
    const row = isName(name) ? await A.liveUserRowOrNone(this.db, name) : undefined;
    if (!row) throw new SafeholdError('not_found', `no user '${name.slice(0, 80)}'`);
    return row;
  }

  /** Creates a database; exists -> conflict. */
  async createDb(name: string, opts: { offline?: boolean } = {}): Promise<DbSummary> {
    checkName('database', name);
    const now = this.clock.now();
    const offline = opts.offline ?? false;
    await inTransaction(this.db, async (trx) => {
      const existing = await D.databaseByName(trx, name);
      if (existing) throw new SafeholdError('conflict', `database '${name}' already exists`);
      await D.insertDatabase(trx, { id: randomId(), name, offline: offline ? 1 : 0, seq: 0, created_at: now });
      await writeAudit(trx, this.clock, { db: name, actor: ACTOR, action: 'db_created', target: name, detail: { offline } });
    }).catch((e: unknown) => {
      throw isUniqueViolation(e) ? new SafeholdError('conflict', `database '${name}' already exists`) : e;
    });
    return { name, offline, members: 0, createdAt: iso(now) };
  }

  /** Enables or disables offline mode of a database (R1). */
  async setDbOffline(name: string, offline: boolean): Promise<DbSummary> {
    const d = await this.dbByName(name);
    await inTransaction(this.db, async (trx) => {
      await D.setOffline(trx, d.id, offline);
      await writeAudit(trx, this.clock, { db: name, actor: ACTOR, action: 'db_updated', target: name, detail: { offline } });
    });
    const all = await this.listDbs();
    return all.find((x) => x.name === name) ?? { name, offline, members: 0, createdAt: iso(this.clock.now()) };
  }

  async listDbs(): Promise<DbSummary[]> {
    const rows = await D.databaseSummaries(this.db);
    return rows.map((r) => ({ name: r.name, offline: r.offline === 1, members: Number(r.members), createdAt: iso(r.created_at) }));
  }

  /**
   * Adds NAME to DB. A new user is created pending, with a one-time invite (>= 128 random bits,
   * valid 7 days) returned once; an existing user is added to the database and gets null.
   * Already a member -> conflict.
   */
  async addUser(name: string, dbName: string, opts: { admin?: boolean } = {}): Promise<string | null> {
    checkName('user', name);
    const d = await this.dbByName(dbName);
    const now = this.clock.now();
    return inTransaction(this.db, async (trx) => {
      // A removed user's account is gone (12.7): its name, re-added, is a new user with a new invite.
      const existing = await A.liveUserRowOrNone(trx, name);
      let userId: string;
      let invite: string | null = null;
      if (existing) {
        userId = existing.id;
        const member = await A.membershipRow(trx, d.id, userId);
        if (member) throw new SafeholdError('conflict', `user '${name}' is already a member of '${dbName}'`);
        if (opts.admin) await A.updateUser(trx, userId, { admin: 1 });
      } else {
        userId = randomId();
        await A.insertUser(trx, {
            id: userId,
            name,
            admin: opts.admin ? 1 : 0,
            kdf: null,
            auth_hash: null,
            user_key_enc: null,
            public_key: null,
            private_key_enc: null,
            created_at: now,
            removed_at: null,
          });
        invite = await this.newInvite(trx, userId, now);
      }
      await A.addMembership(trx, { db_id: d.id, user_id: userId, offline_right: 0, offline_days: 0, created_at: now });
      await writeAudit(trx, this.clock, { db: dbName, actor: ACTOR, action: 'user_added', target: name, detail: { admin: !!opts.admin, newUser: !existing } });
      return invite;
    });
  }

  /** A fresh invite for a user who has not registered yet (e.g. the first one expired); registered -> conflict. */
  async reinvite(name: string): Promise<string> {
    const u = await this.userByName(name);
    if (u.auth_hash !== null) throw new SafeholdError('conflict', `user '${name}' has already registered`);
    const now = this.clock.now();
    return inTransaction(this.db, async (trx) => {
      const code = await this.newInvite(trx, u.id, now);
      await writeAudit(trx, this.clock, { db: null, actor: ACTOR, action: 'user_invited', target: name });
      return code;
    });
  }

  private async newInvite(trx: Conn, userId: string, now: number): Promise<string> {
    const code = randomSecret(24); // 192 bits
    await A.insertInvite(trx, { code_hash: hashSecret(code), user_id: userId, expires_at: now + INVITE_TTL_MS, used_at: null, created_at: now });
    return code;
  }

  /** Sets the offline right (R2) and its days. Days default to 7 when the right is granted without a number. */
  async setUserRights(name: string, dbName: string, opts: { offline?: boolean; offlineDays?: number; offlineEdits?: boolean }): Promise<UserSummary> {
    if (opts.offlineDays !== undefined && (!Number.isSafeInteger(opts.offlineDays) || opts.offlineDays < 1 || opts.offlineDays > 3650)) {
      throw new SafeholdError('bad_request', 'offline days must be a whole number from 1 to 3650');
    }
    const d = await this.dbByName(dbName);
    const u = await this.userByName(name);
    const m = await A.membershipRow(this.db, d.id, u.id);
    if (!m) throw new SafeholdError('not_found', `user '${name}' is not a member of '${dbName}'`);
    const right = opts.offline ?? m.offline_right === 1;
    let days = opts.offlineDays ?? m.offline_days;
    if (right && days < 1) days = DEFAULT_OFFLINE_DAYS;
    const edits = opts.offlineEdits ?? m.offline_edits === 1;
    await inTransaction(this.db, async (trx) => {
      await A.updateMembership(trx, d.id, u.id, { offline_right: right ? 1 : 0, offline_days: days, offline_edits: edits ? 1 : 0 });
      await writeAudit(trx, this.clock, { db: dbName, actor: ACTOR, action: 'user_rights', target: name, detail: { offline: right, offlineDays: days, offlineEdits: edits } });
    });
    return { name, admin: u.admin === 1, offline: right, offlineDays: days, offlineEdits: edits, db: dbName, registered: u.auth_hash !== null };
  }

  /** Users with their memberships: one entry per (user, database); with `db`, that database's members only. */
  async listUsers(opts: { db?: string } = {}): Promise<UserSummary[]> {
    if (opts.db !== undefined) {
      const d = await this.dbByName(opts.db);
      const rows = await A.membersOfDatabase(this.db, d.id);
      return rows.map((r) => ({
        name: r.name,
        admin: r.admin === 1,
        offline: r.offline_right === 1,
        offlineDays: r.offline_days,
        offlineEdits: r.offline_edits === 1,
        db: opts.db ?? null,
        registered: r.auth_hash !== null,
      }));
    }
    const rows = await A.usersWithMemberships(this.db);
    return rows.map((r) => ({
      name: r.name,
      admin: r.admin === 1,
      offline: r.offline_right === 1,
      offlineDays: r.offline_days ?? 0,
      offlineEdits: r.offline_edits === 1,
      db: r.db ?? null,
      registered: r.auth_hash !== null,
    }));
  }

  /**
   * With `db`: removes the user's membership of that database. Without: removes the user from every
   * database, marks them removed and ends their sessions; the account is gone (12.7): its grants, record
   * keys and role memberships are deleted too, and the name may be given to a new user. Offline copies
   * are wiped at the next contact (E2).
   */
  async removeUser(name: string, dbName?: string): Promise<void> {
    const u = await this.userByName(name);
    const now = this.clock.now();
    if (dbName !== undefined) {
      const d = await this.dbByName(dbName);
      await inTransaction(this.db, async (trx) => {
        if (!(await A.deleteMembership(trx, d.id, u.id))) throw new SafeholdError('not_found', `user '${name}' is not a member of '${dbName}'`);
        await writeAudit(trx, this.clock, { db: dbName, actor: ACTOR, action: 'user_removed', target: name });
      });
      return;
    }
    await inTransaction(this.db, async (trx) => {
      const databases = await A.removeAccount(trx, u.id, now);
      await writeAudit(trx, this.clock, { db: null, actor: ACTOR, action: 'user_removed', target: name, detail: { databases } });
    });
  }

  async listRoles(dbName: string): Promise<RoleSummary[]> {
    const d = await this.dbByName(dbName);
    const roles = await rolesWithCreators(this.db, d.id);
    if (roles.length === 0) return [];
    const members = await roleMemberNames(this.db, roles.map((r) => r.id));
    return roles.map((r) => ({ name: r.name, creator: r.creator, members: members.filter((m) => m.role_id === r.id).map((m) => m.name) }));
  }

  async listDevices(user?: string): Promise<DeviceSummary[]> {
    let only: string[] | null = null;
    if (user !== undefined) {
      // Every account that had this name, removed ones included (their devices may still hold offline copies).
      const ids = isName(user) ? await A.userIdsByName(this.db, user) : [];
      if (ids.length === 0) throw new SafeholdError('not_found', `no user '${user.slice(0, 80)}'`);
      only = ids;
    }
    const rows = await A.deviceList(this.db, only);
    return rows.map((r) => ({ id: r.id, user: r.user, name: r.name, createdAt: iso(r.created_at), lastSeenAt: iso(r.last_seen_at), revoked: r.revoked_at !== null }));
  }

  /** Revokes a device (every account on it): its sessions stop working at once; unknown id -> not_found. */
  async revokeDevice(deviceId: string): Promise<{ id: string; users: string[] }> {
    const rows = await A.accountsOnDevice(this.db, deviceId);
    if (rows.length === 0) throw new SafeholdError('not_found', `no device '${deviceId.slice(0, 80)}'`);
    const now = this.clock.now();
    await inTransaction(this.db, async (trx) => {
      await A.revokeDevice(trx, deviceId, now);
      // Its sessions are kept until they expire so that a request with one answers device_revoked
      // (the client then knows to wipe), rather than a vague "log in again"; authenticate refuses them.
      await writeAudit(trx, this.clock, { db: null, actor: ACTOR, action: 'device_revoked', target: deviceId, detail: { users: rows.map((r) => r.name) } });
    });
    return { id: deviceId, users: rows.map((r) => r.name) };
  }

  /** Audit events, newest first; an unknown `db` is not_found (exit 4), like everywhere else. */
  async audit(opts: { db?: string; since?: number } = {}): Promise<AuditEntry[]> {
    if (opts.db !== undefined) await this.dbByName(opts.db);
    return listAudit(this.db, opts);
  }
}
