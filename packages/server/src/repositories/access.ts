/**
 * THE access resolver: a caller's rights on records, batched, for route checks (services/rights.ts),
 * record answers (recordwire.ts) and offline eligibility (syncwire.ts). The rule: the creator holds
 * every right; anyone else the OR of the masks of its direct grant and of the grants to its roles
 * (domain unionMask). Grants are read by record id (the grants primary key), a fixed number of queries
 * per chunk of ids whatever the caller's total number of grants; `database` mode reads the caller's
 * grants through the holder index instead (the whole-database list).
 */
import { sql } from 'kysely';
import { ALL_RIGHTS_MASK, RIGHT_BIT, unionMask } from '@safehold/domain';
import type { Conn } from './db.js';
import { chunks } from './chunks.js';

/** The caller's access to one record. */
export interface RecordAccess {
  /** Effective rights mask (domain RIGHT_BIT); never 0 in a resolver answer. */
  mask: number;
  creator: boolean;
  /** The caller's roles that hold a grant on the record, with that grant's mask (their key rows may serve the caller). */
  viaRoles: ReadonlyMap<string, number>;
}

/** Whose rights in which database. `roles`: the caller's role ids when already known (else looked up in the query). */
export interface AccessWho {
  userId: string;
  dbId: string;
  roles?: readonly string[];
}

/** The record facts the rule reads. */
export interface AccessRecord {
  id: string;
  creator_id: string;
}

/** SQL test "this grant holds export": the spelling of the grants_export partial index predicate. */
export function grantHoldsExport(column = 'rights_mask') {
  return sql<boolean>`(${sql.ref(column)} & ${sql.lit(RIGHT_BIT.export)}) <> 0`;
}

/**
 * Rights of the caller on `records` (already read, of who.dbId), by record id: one grants query per
 * chunk. Records on which it holds nothing are absent from the answer.
 */
export async function accessOf(db: Conn, who: AccessWho, records: readonly AccessRecord[]): Promise<Map<string, RecordAccess>> {
  const out = new Map<string, RecordAccess>();
  for (const part of chunks(records)) {
    const nonCreated = part.filter((r) => r.creator_id !== who.userId).map((r) => r.id);
    const grants = nonCreated.length === 0 ? [] : await grantsByRecord(db, who, nonCreated);
    fold(out, who.userId, part, grants);
  }
  return out;
}

/**
 * Rights of the caller on the live records `ids` of who.dbId (unknown, deleted or foreign ids are
 * absent), or on every live record of the database it holds a right on (`'database'`).
 */
export async function rightsFor(db: Conn, who: AccessWho, ids: readonly string[] | 'database'): Promise<Map<string, RecordAccess>> {
  if (ids === 'database') return rightsInDatabase(db, who);
  const out = new Map<string, RecordAccess>();
  for (const part of chunks(ids)) {
    const recs = await db
      .selectFrom('records')
      .select(['id', 'creator_id'])
      .where('id', 'in', part)
      .where('db_id', '=', who.dbId)
      .where('deleted_at', 'is', null)
      .execute();
    for (const [id, a] of await accessOf(db, who, recs)) out.set(id, a);
  }
  return out;
}

interface GrantRow {
  record_id: string;
  holder_kind: string;
  holder_id: string;
  rights_mask: number;
}

/** SQL test "grant `g` is the caller's own or one of its roles'" (raw: shared by two differently joined queries). */
function holderFilter(who: AccessWho) {
  const mine = sql`(g.holder_kind = 'user' and g.holder_id = ${who.userId})`;
  if (who.roles && who.roles.length === 0) return sql<boolean>`${mine}`;
  const roles = who.roles
    ? sql`(${sql.join(who.roles.map((r) => sql`${r}`))})`
    : sql`(select m.role_id from role_members m where m.user_id = ${who.userId})`;
  return sql<boolean>`(${mine} or (g.holder_kind = 'role' and g.holder_id in ${roles}))`;
}

async function grantsByRecord(db: Conn, who: AccessWho, ids: readonly string[]): Promise<GrantRow[]> {
  return db
    .selectFrom('grants as g')
    .select(['g.record_id', 'g.holder_kind', 'g.holder_id', 'g.rights_mask'])
    .where('g.record_id', 'in', [...ids])
    .where(holderFilter(who))
    .execute();
}

async function rightsInDatabase(db: Conn, who: AccessWho): Promise<Map<string, RecordAccess>> {
  const created = await db
    .selectFrom('records')
    .select(['id', 'creator_id'])
    .where('db_id', '=', who.dbId)
    .where('deleted_at', 'is', null)
    .where('creator_id', '=', who.userId)
    .execute();
  const grants = await db
    .selectFrom('grants as g')
    .innerJoin('records as r', 'r.id', 'g.record_id')
    .select(['g.record_id', 'g.holder_kind', 'g.holder_id', 'g.rights_mask', 'r.creator_id'])
    .where('r.db_id', '=', who.dbId)
    .where('r.deleted_at', 'is', null)
    .where(holderFilter(who))
    .execute();
  const recs = new Map<string, AccessRecord>(created.map((r) => [r.id, r]));
  for (const g of grants) if (!recs.has(g.record_id)) recs.set(g.record_id, { id: g.record_id, creator_id: g.creator_id });
  const out = new Map<string, RecordAccess>();
  fold(out, who.userId, [...recs.values()], grants.filter((g) => g.creator_id !== who.userId));
  return out;
}

/** Folds grant rows into `out` (the one place the rule is applied). */
function fold(out: Map<string, RecordAccess>, userId: string, records: readonly AccessRecord[], grants: readonly GrantRow[]): void {
  const byRecord = new Map<string, GrantRow[]>();
  for (const g of grants) {
    const list = byRecord.get(g.record_id);
    if (list) list.push(g);
    else byRecord.set(g.record_id, [g]);
  }
  for (const r of records) {
    const creator = r.creator_id === userId;
    const rows = byRecord.get(r.id) ?? [];
    const viaRoles = new Map<string, number>();
    for (const g of rows) if (g.holder_kind === 'role') viaRoles.set(g.holder_id, Number(g.rights_mask) & ALL_RIGHTS_MASK);
    const mask = unionMask(creator, rows.map((g) => Number(g.rights_mask)));
    if (mask !== 0) out.set(r.id, { mask, creator, viaRoles });
  }
}
