/**
 * Accounts' storage: users, invites, devices, sessions and memberships. Queries only; the rules
 * (invite checks, credentials, revocation, rate limits) stay in services/accounts.ts.
 */
import type { Insertable, Updateable } from 'kysely';
import type { DevicesTable, InvitesTable, MembershipsTable, SessionsTable, UsersTable } from '../storage/schema.js';
import type { Conn } from './db.js';

export async function kdfOf(db: Conn, name: string) {
  return db.selectFrom('users').select(['kdf', 'removed_at']).where('name', '=', name).where('removed_at', 'is', null).executeTakeFirst();
}

/** The live (not removed) user of that name: its id. */
export async function liveUserByName(db: Conn, name: string): Promise<{ id: string } | undefined> {
  return db.selectFrom('users').select('id').where('name', '=', name).where('removed_at', 'is', null).executeTakeFirst();
}

export async function liveUserRow(db: Conn, name: string) {
  return db.selectFrom('users').selectAll().where('name', '=', name).where('removed_at', 'is', null).executeTakeFirstOrThrow();
}

export async function credentialsOf(db: Conn, name: string) {
  return db.selectFrom('users').select(['id', 'auth_hash', 'removed_at']).where('name', '=', name).where('removed_at', 'is', null).executeTakeFirst();
}

export async function authHashOf(db: Conn, userId: string) {
  return db.selectFrom('users').select(['auth_hash']).where('id', '=', userId).executeTakeFirstOrThrow();
}

export async function profileOf(db: Conn, userId: string) {
  return db.selectFrom('users').select(['public_key', 'admin']).where('id', '=', userId).executeTakeFirstOrThrow();
}

export async function updateUser(trx: Conn, userId: string, set: Updateable<UsersTable>): Promise<void> {
  await trx.updateTable('users').set(set).where('id', '=', userId).execute();
}

export async function signingKeyOf(db: Conn, userId: string) {
  return db.selectFrom('users').select('signing_key').where('id', '=', userId).executeTakeFirst();
}

export async function setSigningKeyIfNone(db: Conn, userId: string, signingKey: string): Promise<void> {
  await db.updateTable('users').set({ signing_key: signingKey }).where('id', '=', userId).where('signing_key', 'is', null).execute();
}

/** A user's keys, when that user shares a database with `callerId`. */
export async function sharedPublicKey(db: Conn, callerId: string, name: string) {
  return db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .innerJoin('memberships as mine', 'mine.db_id', 'm.db_id')
    .select(['u.name', 'u.public_key', 'u.signing_key'])
    .where('u.name', '=', name)
    .where('u.removed_at', 'is', null)
    .where('mine.user_id', '=', callerId)
    .executeTakeFirst();
}

/** The invite of that code hash with its user's state. */
export async function inviteByCode(db: Conn, codeHash: string) {
  return db
    .selectFrom('invites')
    .innerJoin('users', 'users.id', 'invites.user_id')
    .select(['invites.user_id', 'invites.expires_at', 'invites.used_at', 'users.name', 'users.auth_hash', 'users.removed_at'])
    .where('invites.code_hash', '=', codeHash)
    .executeTakeFirst();
}

/** Marks the invite used; false when it was used already (a race). */
export async function useInvite(trx: Conn, codeHash: string, now: number): Promise<boolean> {
  const used = await trx.updateTable('invites').set({ used_at: now }).where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

/** Marks every pending invite of the user used. */
export async function useInvitesOf(trx: Conn, userId: string, now: number): Promise<void> {
  await trx.updateTable('invites').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

export async function deviceOf(db: Conn, userId: string, deviceId: string) {
  return db.selectFrom('devices').select(['revoked_at']).where('id', '=', deviceId).where('user_id', '=', userId).executeTakeFirst();
}

/** The device id when it is revoked for any account. */
export async function revokedDeviceId(db: Conn, deviceId: string) {
  return db.selectFrom('devices').select('id').where('id', '=', deviceId).where('revoked_at', 'is not', null).executeTakeFirst();
}

export async function refreshDevice(trx: Conn, userId: string, deviceId: string, set: Updateable<DevicesTable>): Promise<void> {
  await trx.updateTable('devices').set(set).where('id', '=', deviceId).where('user_id', '=', userId).execute();
}

export async function insertDevice(trx: Conn, row: Insertable<DevicesTable>): Promise<void> {
  await trx.insertInto('devices').values(row).execute();
}

/** Sets the device key when the device has none; false when it had one. */
export async function setDeviceKeyIfNone(db: Conn, userId: string, deviceId: string, publicKey: string): Promise<boolean> {
  const upd = await db
    .updateTable('devices')
    .set({ public_key: publicKey })
    .where('id', '=', deviceId)
    .where('user_id', '=', userId)
    .where('public_key', 'is', null)
    .executeTakeFirst();
  return Number(upd.numUpdatedRows) > 0;
}

export async function deviceKey(db: Conn, userId: string, deviceId: string) {
  return db.selectFrom('devices').select('public_key').where('id', '=', deviceId).where('user_id', '=', userId).executeTakeFirst();
}

export async function insertSession(trx: Conn, row: Insertable<SessionsTable>): Promise<void> {
  await trx.insertInto('sessions').values(row).execute();
}

/** The session of a token hash with its user and device state (one statement). */
export async function sessionByHash(db: Conn, tokenHash: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('devices', (j) => j.onRef('devices.id', '=', 'sessions.device_id').onRef('devices.user_id', '=', 'sessions.user_id'))
    .select([
      'sessions.user_id',
      'sessions.device_id',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'users.name',
      'users.admin',
      'users.removed_at',
      'devices.revoked_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Moves the session's and its device's last-seen time to `now`. */
export async function touchSession(db: Conn, tokenHash: string, deviceId: string, userId: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
  await db.updateTable('devices').set({ last_seen_at: now }).where('id', '=', deviceId).where('user_id', '=', userId).execute();
}

export async function deleteSession(db: Conn, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Ends the user's sessions on every other device; returns how many. */
export async function endOtherSessions(trx: Conn, userId: string, deviceId: string): Promise<number> {
  const ended = await trx.deleteFrom('sessions').where('user_id', '=', userId).where('device_id', '!=', deviceId).executeTakeFirst();
  return Number(ended.numDeletedRows);
}

/** The user's databases with offline flags, by name. */
export async function membershipsOf(db: Conn, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('databases', 'databases.id', 'memberships.db_id')
    .select(['databases.name', 'databases.offline', 'memberships.offline_right', 'memberships.offline_days'])
    .where('memberships.user_id', '=', userId)
    .orderBy('databases.name')
    .execute();
}

/** The user's membership of the database of that name. */
export async function membership(db: Conn, userId: string, dbName: string) {
  return db
    .selectFrom('databases')
    .innerJoin('memberships', 'memberships.db_id', 'databases.id')
    .select(['databases.id', 'databases.offline', 'memberships.offline_right', 'memberships.offline_days'])
    .where('databases.name', '=', dbName)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst();
}

/** Deletes session rows that expired before `before`; returns how many. */
export async function deleteSessionsExpiredBefore(db: Conn, before: number): Promise<number> {
  const res = await db.deleteFrom('sessions').where('expires_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The user of that name, removed or not: its id. */
export async function userByName(db: Conn, name: string): Promise<{ id: string } | undefined> {
  return db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
}

/** The live user of that name, whole row, or undefined. */
export async function liveUserRowOrNone(db: Conn, name: string) {
  return db.selectFrom('users').selectAll().where('name', '=', name).where('removed_at', 'is', null).executeTakeFirst();
}

/** Ids of every account that had that name, removed ones included. */
export async function userIdsByName(db: Conn, name: string): Promise<string[]> {
  return (await db.selectFrom('users').select('id').where('name', '=', name).execute()).map((u) => u.id);
}

export async function insertUser(trx: Conn, row: Insertable<UsersTable>): Promise<void> {
  await trx.insertInto('users').values(row).execute();
}

export async function insertInvite(trx: Conn, row: Insertable<InvitesTable>): Promise<void> {
  await trx.insertInto('invites').values(row).execute();
}

export async function membershipRow(db: Conn, dbId: string, userId: string) {
  return db.selectFrom('memberships').selectAll().where('db_id', '=', dbId).where('user_id', '=', userId).executeTakeFirst();
}

/** Adds the membership unless it exists. */
export async function addMembership(trx: Conn, row: Insertable<MembershipsTable>): Promise<void> {
  await trx.insertInto('memberships').values(row).onConflict((oc) => oc.columns(['db_id', 'user_id']).doNothing()).execute();
}

export async function updateMembership(trx: Conn, dbId: string, userId: string, set: Updateable<MembershipsTable>): Promise<void> {
  await trx.updateTable('memberships').set(set).where('db_id', '=', dbId).where('user_id', '=', userId).execute();
}

/** Deletes one membership; false when there was none. */
export async function deleteMembership(trx: Conn, dbId: string, userId: string): Promise<boolean> {
  const r = await trx.deleteFrom('memberships').where('db_id', '=', dbId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Removes an account (12.7): its memberships, sessions, grants, key rows and role memberships are
 * deleted, its pending invites used, the user marked removed. Returns the number of memberships removed.
 */
export async function removeAccount(trx: Conn, userId: string, now: number): Promise<number> {
  const r = await trx.deleteFrom('memberships').where('user_id', '=', userId).executeTakeFirst();
  await trx.updateTable('users').set({ removed_at: now }).where('id', '=', userId).execute();
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await trx.deleteFrom('grants').where('holder_kind', '=', 'user').where('holder_id', '=', userId).execute();
  await trx.deleteFrom('record_keys').where('holder_kind', '=', 'user').where('holder_id', '=', userId).execute();
  await trx.deleteFrom('role_members').where('user_id', '=', userId).execute();
  await trx.updateTable('invites').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
  return Number(r.numDeletedRows);
}

/** The live members of a database with their offline rights, by name. */
export async function membersOfDatabase(db: Conn, dbId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.name', 'users.admin', 'users.auth_hash', 'memberships.offline_right', 'memberships.offline_days', 'memberships.offline_edits'])
    .where('memberships.db_id', '=', dbId)
    .where('users.removed_at', 'is', null)
    .orderBy('users.name')
    .execute();
}

/** Every live user with each of its memberships (one row per pair; users in no database once). */
export async function usersWithMemberships(db: Conn) {
  return db
    .selectFrom('users')
    .leftJoin('memberships', 'memberships.user_id', 'users.id')
    .leftJoin('databases', 'databases.id', 'memberships.db_id')
    .select(['users.name', 'users.admin', 'users.auth_hash', 'memberships.offline_right', 'memberships.offline_days', 'memberships.offline_edits', 'databases.name as db'])
    .where('users.removed_at', 'is', null)
    .orderBy('users.name')
    .orderBy('databases.name')
    .execute();
}

/** Devices with their account names (only of the accounts `userIds` when given), by user name then age. */
export async function deviceList(db: Conn, userIds: readonly string[] | null) {
  let q = db
    .selectFrom('devices')
    .innerJoin('users', 'users.id', 'devices.user_id')
    .select(['devices.id', 'users.name as user', 'devices.name', 'devices.created_at', 'devices.last_seen_at', 'devices.revoked_at']);
  if (userIds !== null) q = q.where('devices.user_id', 'in', [...userIds]);
  return q.orderBy('users.name').orderBy('devices.created_at').execute();
}

/** Every account on the device. */
export async function accountsOnDevice(db: Conn, deviceId: string) {
  return db
    .selectFrom('devices')
    .innerJoin('users', 'users.id', 'devices.user_id')
    .select(['devices.user_id', 'users.name', 'devices.revoked_at'])
    .where('devices.id', '=', deviceId)
    .execute();
}

/** Revokes the device for every account on it. */
export async function revokeDevice(trx: Conn, deviceId: string, now: number): Promise<void> {
  await trx.updateTable('devices').set({ revoked_at: now }).where('id', '=', deviceId).where('revoked_at', 'is', null).execute();
}
