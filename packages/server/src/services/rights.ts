/**
 * Record rights. The creator holds every right; anyone else holds the union of the direct grant and
 * the grants to every role they are a member of. EVERY rule check goes through `requireRight`, which
 * never leaks existence: a record the caller cannot read, that does not exist, is deleted, lives in
 * another database or has a malformed id answers not_found; readable but lacking the right, forbidden.
 */
import { sql, type Selectable } from 'kysely';
import { SafeholdError, isRandomId } from '@safehold/protocol';
import { RIGHTS, type Right } from '@safehold/protocol/api';
import type { RecordsTable } from '../storage/schema.js';
import type { Db } from './changes.js';

/** Who acts: structurally the http AuthContext, so services need nothing from HTTP. */
export interface Actor {
  userId: string;
  user: string;
}

/** The database a request works in (from requireMember). */
export interface DbScope {
  dbId: string;
  dbName: string;
}

export type RecordRow = Selectable<RecordsTable>;

export const ALL_RIGHTS: readonly Right[] = RIGHTS;

/** Parses the stored comma list; unknown words are dropped (never widen rights on bad data). */
export function parseRights(s: string): Right[] {
  const set = new Set(s.split(','));
  return RIGHTS.filter((r) => set.has(r));
}

/** Canonical stored/wire form: RIGHTS order, no duplicates. */
export function sortRights(rights: Iterable<Right>): Right[] {
  const set = new Set(rights);
  return RIGHTS.filter((r) => set.has(r));
}

export function formatRights(rights: Iterable<Right>): string {
  return sortRights(rights).join(',');
}

/** One source of rights of a user on a record. */
export interface RightRow {
  recordId: string;
  source: 'creator' | 'user' | 'role';
  /** The creator's or user's id, or the role's id for 'role'. */
  holderId: string;
  rights: Right[];
}

/**
 * Every source of rights of `userId` on the live records of a database (or on `recordIds` only):
 * created ∪ direct grants ∪ grants to the user's roles, in ONE query (no per-record lookups).
 */
export async function rightRows(db: Db, userId: string, dbId: string, recordIds?: readonly string[]): Promise<RightRow[]> {
  if (recordIds && recordIds.length === 0) return [];
  const ids = recordIds ? [...recordIds] : undefined;
  let created = db
    .selectFrom('records')
    .select([
      'records.id as record_id',
      sql<string>`'creator'`.as('source'),
      'records.creator_id as holder_id',
      sql<string>`''`.as('rights'),
    ])
    .where('records.db_id', '=', dbId)
    .where('records.deleted_at', 'is', null)
    .where('records.creator_id', '=', userId);
  let direct = db
    .selectFrom('grants')
    .innerJoin('records', 'records.id', 'grants.record_id')
    .select([
      'grants.record_id as record_id',
      sql<string>`'user'`.as('source'),
      'grants.holder_id as holder_id',
      'grants.rights as rights',
    ])
    .where('records.db_id', '=', dbId)
    .where('records.deleted_at', 'is', null)
    .where('grants.holder_kind', '=', 'user')
    .where('grants.holder_id', '=', userId);
  let viaRole = db
    .selectFrom('grants')
    .innerJoin('role_members', 'role_members.role_id', 'grants.holder_id')
    .innerJoin('records', 'records.id', 'grants.record_id')
    .select([
      'grants.record_id as record_id',
      sql<string>`'role'`.as('source'),
      'grants.holder_id as holder_id',
      'grants.rights as rights',
    ])
    .where('records.db_id', '=', dbId)
    .where('records.deleted_at', 'is', null)
    .where('grants.holder_kind', '=', 'role')
    .where('role_members.user_id', '=', userId);
  if (ids) {
    created = created.where('records.id', 'in', ids);
    direct = direct.where('records.id', 'in', ids);
    viaRole = viaRole.where('records.id', 'in', ids);
  }
  const rows = await created.unionAll(direct).unionAll(viaRole).execute();
  return rows.map((r) => ({
    recordId: r.record_id,
    source: r.source as RightRow['source'],
    holderId: r.holder_id,
    rights: r.source === 'creator' ? [...ALL_RIGHTS] : parseRights(r.rights),
  }));
}

/** Folds right rows into the effective rights per record. */
export function foldRights(rows: readonly RightRow[]): Map<string, Set<Right>> {
  const out = new Map<string, Set<Right>>();
  for (const row of rows) {
    let set = out.get(row.recordId);
    if (!set) out.set(row.recordId, (set = new Set()));
    for (const r of row.rights) set.add(r);
  }
  return out;
}

/**
 * Effective rights of a user on every live record of a database they hold any right on (or on
 * `recordIds` only), in one query. A record absent from the map: no rights.
 */
export async function effectiveRightsBatch(
  db: Db,
  userId: string,
  dbId: string,
  recordIds?: readonly string[],
): Promise<Map<string, Set<Right>>> {
  return foldRights(await rightRows(db, userId, dbId, recordIds));
}

/** Effective rights of a user on one record (empty when none, deleted, unknown or malformed). */
export async function effectiveRights(db: Db, userId: string, recordId: string): Promise<Set<Right>> {
  if (!isRandomId(recordId)) return new Set();
  const rec = await db
    .selectFrom('records')
    .select('db_id')
    .where('id', '=', recordId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!rec) return new Set();
  return (await effectiveRightsBatch(db, userId, rec.db_id, [recordId])).get(recordId) ?? new Set();
}

/**
 * THE right check. Returns the live record row and the caller's effective rights.
 * not_found when the caller cannot read it (or it does not exist, is deleted, is in another database,
 * or the id is malformed); forbidden when readable but `right` is missing.
 */
export async function requireRight(
  db: Db,
  actor: Actor,
  dbId: string,
  recordId: string,
  right: Right,
): Promise<{ record: RecordRow; rights: Set<Right> }> {
  const notFound = new SafeholdError('not_found', 'record not found');
  if (typeof recordId !== 'string' || !isRandomId(recordId)) throw notFound;
  const record = await db
    .selectFrom('records')
    .selectAll()
    .where('id', '=', recordId)
    .where('db_id', '=', dbId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!record) throw notFound;
  const rights =
    record.creator_id === actor.userId
      ? new Set<Right>(ALL_RIGHTS)
      : ((await effectiveRightsBatch(db, actor.userId, dbId, [recordId])).get(recordId) ?? new Set<Right>());
  if (!rights.has('read')) throw notFound;
  if (!rights.has(right)) throw new SafeholdError('forbidden', `you lack the ${right} right on this record`);
  return { record, rights };
}
