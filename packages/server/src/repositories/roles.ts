/** Roles and their members (roles, role_members): the queries of services/roles.ts. */
import type { Insertable, Selectable } from 'kysely';
import type { RoleMembersTable, RolesTable } from '../storage/schema.js';
import type { Conn } from './db.js';

export type RoleRow = Selectable<RolesTable>;

/** The members of `roleIds` with their names and wrapped role keys. */
export async function membersOf(db: Conn, roleIds: readonly string[]) {
  return db
    .selectFrom('role_members')
    .innerJoin('users', 'users.id', 'role_members.user_id')
    .select(['role_members.role_id', 'role_members.user_id', 'role_members.member_key', 'users.name'])
    .where('role_members.role_id', 'in', [...roleIds])
    .execute();
}

/** Every role of the database, by name. */
export async function rolesOf(db: Conn, dbId: string): Promise<RoleRow[]> {
  return db.selectFrom('roles').selectAll().where('db_id', '=', dbId).orderBy('name').execute();
}

/** A new role and its first member. */
export async function insertRole(trx: Conn, role: RoleRow, first: Omit<Insertable<RoleMembersTable>, 'role_id'>): Promise<void> {
  await trx.insertInto('roles').values(role).execute();
  await trx.insertInto('role_members').values({ ...first, role_id: role.id }).execute();
}

/** Adds a member, or replaces its wrapped role key. */
export async function putMember(trx: Conn, row: Insertable<RoleMembersTable> & { member_key: string }): Promise<void> {
  await trx
    .insertInto('role_members')
    .values(row)
    .onConflict((oc) => oc.columns(['role_id', 'user_id']).doUpdateSet({ member_key: row.member_key }))
    .execute();
}

/** True when the user is a member of the role. */
export async function isMember(db: Conn, roleId: string, userId: string): Promise<boolean> {
  return (await db.selectFrom('role_members').select('user_id').where('role_id', '=', roleId).where('user_id', '=', userId).executeTakeFirst()) !== undefined;
}

export async function deleteMember(trx: Conn, roleId: string, userId: string): Promise<void> {
  await trx.deleteFrom('role_members').where('role_id', '=', roleId).where('user_id', '=', userId).execute();
}

export async function setKeySignature(trx: Conn, roleId: string, value: string): Promise<void> {
  await trx.updateTable('roles').set({ key_signature: value }).where('id', '=', roleId).execute();
}

/** The database's roles with their creators' names, by name. */
export async function rolesWithCreators(db: Conn, dbId: string) {
  return db
    .selectFrom('roles')
    .innerJoin('users', 'users.id', 'roles.creator_id')
    .select(['roles.id', 'roles.name', 'users.name as creator'])
    .where('roles.db_id', '=', dbId)
    .orderBy('roles.name')
    .execute();
}

/** The member names of `roleIds`, by name. */
export async function roleMemberNames(db: Conn, roleIds: readonly string[]) {
  return db
    .selectFrom('role_members')
    .innerJoin('users', 'users.id', 'role_members.user_id')
    .select(['role_members.role_id', 'users.name'])
    .where('role_members.role_id', 'in', [...roleIds])
    .orderBy('users.name')
    .execute();
}
