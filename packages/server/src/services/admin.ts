/**
 * The Server Manager's operations (spec §3.1), on storage directly. Used by the `safehold-server`
 * binary and by the testkit in process. Every action is audited with actor 'admin'. Nothing is
 * cached, so a running server sees each change at its next request.
 */
import type { Kysely } from 'kysely';
import { SafeholdError, isName } from '@safehold/protocol';
import type { Tables } from '../storage/schema.js';
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
    private readonly db: Kysely<Tables>,
    private readonly clock: Clock,
  ) {}

  private async dbByName(name: string): Promise<{ id: string; offline: number }> {
    const row = isName(name) ? await this.db.selectFrom('databases').select(['id', 'offline']).where('name', '=', name).executeTakeFirst() : undefined;
    if (!row) throw new SafeholdError('not_found', `no database '${name.slice(0, 80)}'`);
    return row;
  }

  /** The live user of that name (a removed one's name may belong to a new user now, 12.7). */
  private async userByName(name: string) {
    const row = isName(name) ? await this.db.selectFrom('users').selectAll().where('name', '=', name).where('removed_at', 'is', null).executeTakeFirst() : undefined;
    if (!row) throw new SafeholdError('not_found', `no user '${name.slice(0, 80)}'`);
    return row;
  }

  /** Creates a database; exists -> conflict. */
  async createDb(name: string, opts: { offline?: boolean } = {}): Promise<DbSummary> {
    checkName('database', name);
    const now = this.clock.now();
    const offline = opts.offline ?? false;
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('databases').select('id').where('name', '=', name).executeTakeFirst();
      if (existing) throw new SafeholdError('conflict', `database '${name}' already exists`);
      await trx.insertInto('databases').values({ id: randomId(), name, offline: offline ? 1 : 0, seq: 0, created_at: now }).execute();
      await writeAudit(trx, this.clock, { db: name, actor: ACTOR, action: 'db_created', target: name, detail: { offline } });
    }).catch((e: unknown) => {
      throw isUniqueViolation(e) ? new SafeholdError('conflict', `database '${name}' already exists`) : e;
    });
    return { name, offline, members: 0, createdAt: iso(now) };
  }

  /** Enables or disables offline mode of a database (R1). */
  async setDbOffline(name: string, offline: boolean): Promise<DbSummary> {
    const d = await this.dbByName(name);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('databases').set({ offline: offline ? 1 : 0 }).where('id', '=', d.id).execute();
      await writeAudit(trx, this.clock, { db: name, actor: ACTOR, action: 'db_updated', target: name, detail: { offline } });
    });
    const all = await this.listDbs();
    return all.find((x) => x.name === name) ?? { name, offline, members: 0, createdAt: iso(this.clock.now()) };
  }

  async listDbs(): Promise<DbSummary[]> {
    const rows = await this.db
      .selectFrom('databases')
      .leftJoin('memberships', 'memberships.db_id', 'databases.id')
      .select((eb) => ['databases.name', 'databases.offline', 'databases.created_at', eb.fn.count<number>('memberships.user_id').as('members')])
      .groupBy(['databases.id', 'databases.name', 'databases.offline', 'databases.created_at'])
      .orderBy('databases.name')
      .execute();
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
    return this.db.transaction().execute(async (trx) => {
      // A removed user's account is gone (12.7): its name, re-added, is a new user with a new invite.
      const existing = await trx.selectFrom('users').select(['id', 'admin']).where('name', '=', name).where('removed_at', 'is', null).executeTakeFirst();
      let userId: string;
      let invite: string | null = null;
      if (existing) {
        userId = existing.id;
        const member = await trx.selectFrom('memberships').select('user_id').where('db_id', '=', d.id).where('user_id', '=', userId).executeTakeFirst();
        if (member) throw new SafeholdError('conflict', `user '${name}' is already a member of '${dbName}'`);
        if (opts.admin) await trx.updateTable('users').set({ admin: 1 }).where('id', '=', userId).execute();
      } else {
        userId = randomId();
        await trx
          .insertInto('users')
          .values({
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
          })
          .execute();
        invite = await this.newInvite(trx, userId, now);
      }
      await trx
        .insertInto('memberships')
        .values({ db_id: d.id, user_id: userId, offline_right: 0, offline_days: 0, created_at: now })
        .onConflict((oc) => oc.columns(['db_id', 'user_id']).doNothing())
        .execute();
      await writeAudit(trx, this.clock, { db: dbName, actor: ACTOR, action: 'user_added', target: name, detail: { admin: !!opts.admin, newUser: !existing } });
      return invite;
    });
  }

  /** A fresh invite for a user who has not registered yet (e.g. the first one expired); registered -> conflict. */
  async reinvite(name: string): Promise<string> {
    const u = await this.userByName(name);
    if (u.auth_hash !== null) throw new SafeholdError('conflict', `user '${name}' has already registered`);
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const code = await this.newInvite(trx, u.id, now);
      await writeAudit(trx, this.clock, { db: null, actor: ACTOR, action: 'user_invited', target: name });
      return code;
    });
  }

  private async newInvite(trx: Kysely<Tables>, userId: string, now: number): Promise<string> {
    const code = randomSecret(24); // 192 bits
    await trx.insertInto('invites').values({ code_hash: hashSecret(code), user_id: userId, expires_at: now + INVITE_TTL_MS, used_at: null, created_at: now }).execute();
    return code;
  }

  /** Sets the offline right (R2) and its days. Days default to 7 when the right is granted without a number. */
  async setUserRights(name: string, dbName: string, opts: { offline?: boolean; offlineDays?: number; offlineEdits?: boolean }): Promise<UserSummary> {
    if (opts.offlineDays !== undefined && (!Number.isSafeInteger(opts.offlineDays) || opts.offlineDays < 1 || opts.offlineDays > 3650)) {
      throw new SafeholdError('bad_request', 'offline days must be a whole number from 1 to 3650');
    }
    const d = await this.dbByName(dbName);
    const u = await this.userByName(name);
    const m = await this.db.selectFrom('memberships').selectAll().where('db_id', '=', d.id).where('user_id', '=', u.id).executeTakeFirst();
    if (!m) throw new SafeholdError('not_found', `user '${name}' is not a member of '${dbName}'`);
    const right = opts.offline ?? m.offline_right === 1;
    let days = opts.offlineDays ?? m.offline_days;
    if (right && days < 1) days = DEFAULT_OFFLINE_DAYS;
    const edits = opts.offlineEdits ?? m.offline_edits === 1;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('memberships')
        .set({ offline_right: right ? 1 : 0, offline_days: days, offline_edits: edits ? 1 : 0 })
        .where('db_id', '=', d.id)
        .where('user_id', '=', u.id)
        .execute();
      await writeAudit(trx, this.clock, { db: dbName, actor: ACTOR, action: 'user_rights', target: name, detail: { offline: right, offlineDays: days, offlineEdits: edits } });
    });
    return { name, admin: u.admin === 1, offline: right, offlineDays: days, offlineEdits: edits, db: dbName, registered: u.auth_hash !== null };
  }

  /** Users with their memberships: one entry per (user, database); with `db`, that database's members only. */
  async listUsers(opts: { db?: string } = {}): Promise<UserSummary[]> {
    if (opts.db !== undefined) {
      const d = await this.dbByName(opts.db);
      const rows = await this.db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.name', 'users.admin', 'users.auth_hash', 'memberships.offline_right', 'memberships.offline_days', 'memberships.offline_edits'])
        .where('memberships.db_id', '=', d.id)
        .where('users.removed_at', 'is', null)
        .orderBy('users.name')
        .execute();
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
    const rows = await this.db
      .selectFrom('users')
      .leftJoin('memberships', 'memberships.user_id', 'users.id')
      .leftJoin('databases', 'databases.id', 'memberships.db_id')
      .select(['users.name', 'users.admin', 'users.auth_hash', 'memberships.offline_right', 'memberships.offline_days', 'memberships.offline_edits', 'databases.name as db'])
      .where('users.removed_at', 'is', null)
      .orderBy('users.name')
      .orderBy('databases.name')
      .execute();
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
      await this.db.transaction().execute(async (trx) => {
        const r = await trx.deleteFrom('memberships').where('db_id', '=', d.id).where('user_id', '=', u.id).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new SafeholdError('not_found', `user '${name}' is not a member of '${dbName}'`);
        await writeAudit(trx, this.clock, { db: dbName, actor: ACTOR, action: 'user_removed', target: name });
      });
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('memberships').where('user_id', '=', u.id).executeTakeFirst();
      await trx.updateTable('users').set({ removed_at: now }).where('id', '=', u.id).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', u.id).execute();
      await trx.deleteFrom('grants').where('holder_kind', '=', 'user').where('holder_id', '=', u.id).execute();
      await trx.deleteFrom('record_keys').where('holder_kind', '=', 'user').where('holder_id', '=', u.id).execute();
      await trx.deleteFrom('role_members').where('user_id', '=', u.id).execute();
      await trx.updateTable('invites').set({ used_at: now }).where('user_id', '=', u.id).where('used_at', 'is', null).execute();
      await writeAudit(trx, this.clock, { db: null, actor: ACTOR, action: 'user_removed', target: name, detail: { databases: Number(r.numDeletedRows) } });
    });
  }

  async listRoles(dbName: string): Promise<RoleSummary[]> {
    const d = await this.dbByName(dbName);
    const roles = await this.db
      .selectFrom('roles')
      .innerJoin('users', 'users.id', 'roles.creator_id')
      .select(['roles.id', 'roles.name', 'users.name as creator'])
      .where('roles.db_id', '=', d.id)
      .orderBy('roles.name')
      .execute();
    if (roles.length === 0) return [];
    const members = await this.db
      .selectFrom('role_members')
      .innerJoin('users', 'users.id', 'role_members.user_id')
      .select(['role_members.role_id', 'users.name'])
      .where(
        'role_members.role_id',
        'in',
        roles.map((r) => r.id),
      )
      .orderBy('users.name')
      .execute();
    return roles.map((r) => ({ name: r.name, creator: r.creator, members: members.filter((m) => m.role_id === r.id).map((m) => m.name) }));
  }

  async listDevices(user?: string): Promise<DeviceSummary[]> {
    let q = this.db
      .selectFrom('devices')
      .innerJoin('users', 'users.id', 'devices.user_id')
      .select(['devices.id', 'users.name as user', 'devices.name', 'devices.created_at', 'devices.last_seen_at', 'devices.revoked_at']);
    if (user !== undefined) {
      // Every account that had this name, removed ones included (their devices may still hold offline copies).
      const ids = isName(user) ? (await this.db.selectFrom('users').select('id').where('name', '=', user).execute()).map((u) => u.id) : [];
      if (ids.length === 0) throw new SafeholdError('not_found', `no user '${user.slice(0, 80)}'`);
      q = q.where('devices.user_id', 'in', ids);
    }
    const rows = await q.orderBy('users.name').orderBy('devices.created_at').execute();
    return rows.map((r) => ({ id: r.id, user: r.user, name: r.name, createdAt: iso(r.created_at), lastSeenAt: iso(r.last_seen_at), revoked: r.revoked_at !== null }));
  }

  /** Revokes a device (every account on it): its sessions stop working at once; unknown id -> not_found. */
  async revokeDevice(deviceId: string): Promise<{ id: string; users: string[] }> {
    const rows = await this.db
      .selectFrom('devices')
      .innerJoin('users', 'users.id', 'devices.user_id')
      .select(['devices.user_id', 'users.name', 'devices.revoked_at'])
      .where('devices.id', '=', deviceId)
      .execute();
    if (rows.length === 0) throw new SafeholdError('not_found', `no device '${deviceId.slice(0, 80)}'`);
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('devices').set({ revoked_at: now }).where('id', '=', deviceId).where('revoked_at', 'is', null).execute();
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

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
