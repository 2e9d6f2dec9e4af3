/** Small shared lookups of the record services: names <-> ids inside one database, times, constraint errors. */
import type { Conn } from './db.js';

export function iso(ms: number): string {
  return new Date(Number(ms)).toISOString();
}

/** id -> name for the given user ids. */
export async function userNames(db: Conn, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  for (const u of await db.selectFrom('users').select(['id', 'name']).where('id', 'in', [...new Set(ids)]).execute()) {
    out.set(u.id, u.name);
  }
  return out;
}

/** name -> id of the given names that are current members of the database (removed users excluded). */
export async function memberIds(db: Conn, dbId: string, names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const rows = await db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'users.name'])
    .where('memberships.db_id', '=', dbId)
    .where('users.removed_at', 'is', null)
    .where('users.name', 'in', [...new Set(names)])
    .execute();
  for (const r of rows) out.set(r.name, r.id);
  return out;
}

/** The role of that name in the database, or undefined. */
export async function findRole(db: Conn, dbId: string, name: string) {
  return db.selectFrom('roles').selectAll().where('db_id', '=', dbId).where('name', '=', name).executeTakeFirst();
}

/** A stored JSON list of ids; bad data reads as empty (never widens anything). */
export function parseIdList(s: string): string[] {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** A primary-key / unique violation of PostgreSQL or SQLite (a concurrent insert won the race). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
