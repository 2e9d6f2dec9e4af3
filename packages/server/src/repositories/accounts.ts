/**
 * Accounts' storage: users, invites, devices, sessions and memberships. Queries only; the rules
 * (invite checks, credentials, revocation, rate limits) stay in services/accounts.ts.
 */
import type { Insertable, Updateable } from 'kysely';
import type { DevicesTable, SessionsTable, UsersTable } from '../storage/schema.js';
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
