/**
 * The records a sync reads: the snapshot (a reset's candidates, in id order, pre-filtered in SQL on the
 * export bit of grants.rights_mask through the grants_export index), rows by id for a delta, and the key
 * rows a page is served with. Queries only: eligibility (isOfflineEligible) is decided in services/syncwire.ts.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../storage/schema.js';
import type { Conn } from './db.js';
import type { Caller, DbScope } from '../caller.js';
import { grantHoldsExport } from './access.js';

/** Who syncs which database: the user, its roles in that database, and the storage dialect (for query plans). */
export interface SyncScope extends DbScope, Pick<Caller, 'userId' | 'user'> {
  /** Ids of the roles of this database the user is a member of. */
  roles: string[];
  dialect: 'sqlite' | 'postgres';
}

/** The roles of `dbId` that `userId` is a member of. */
export async function memberRoles(db: Conn, userId: string, dbId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('role_members as m')
    .innerJoin('roles as r', 'r.id', 'm.role_id')
    .select('m.role_id')
    .where('m.user_id', '=', userId)
    .where('r.db_id', '=', dbId)
    .execute();
  return rows.map((r) => r.role_id);
}

/**
 * The SQL pre-filter of a snapshot: live, unsealed records of the database with change_seq <= S that the
 * user created or holds an export grant on (directly or through a role), checked per record through the
 * grants primary key. isOfflineEligible stays the final word in buildSyncWires.
 */
function snapshotQuery(db: Conn, s: SyncScope, snapshotSeq: number) {
  // SQLite without ANALYZE statistics would drive this from the (db_id, change_seq) index and sort the
  // whole database for every page; hiding those two columns from the planner makes it walk the primary
  // key in id order from the page's start and stop after `limit` rows.
  const dbIdCol = s.dialect === 'sqlite' ? sql<string>`(r.db_id || '')` : sql<string>`r.db_id`;
  const seqCol = s.dialect === 'sqlite' ? sql<number>`(r.change_seq + 0)` : sql<number>`r.change_seq`;
  return (db as Kysely<Tables>)
    .selectFrom('records as r')
    .where(dbIdCol, '=', s.dbId)
    .where(seqCol, '<=', snapshotSeq)
    .where('r.deleted_at', 'is', null)
    .where('r.sealed', '=', 0)
    .where((eb) =>
      eb.or([
        eb('r.creator_id', '=', s.userId),
        eb.exists(
          eb
            .selectFrom('grants as g')
            .select(sql<number>`1`.as('one'))
            .whereRef('g.record_id', '=', 'r.id')
            .where(grantHoldsExport('g.rights_mask'))
            .where((e2) => {
              const mine = e2.and([e2('g.holder_kind', '=', 'user'), e2('g.holder_id', '=', s.userId)]);
              return s.roles.length === 0
                ? mine
                : e2.or([mine, e2.and([e2('g.holder_kind', '=', 'role'), e2('g.holder_id', 'in', s.roles)])]);
            }),
        ),
      ]),
    );
}

/** The record columns a sync answer is built from. */
const ROW_COLUMNS = [
  'r.id',
  'r.db_id',
  'r.creator_id',
  'r.updated_by',
  'r.revision',
  'r.created_at',
  'r.updated_at',
  'r.masked',
  'r.sealed',
  'r.deleted_at',
  'r.header',
  'r.secret',
] as const;

export interface SyncRow {
  id: string;
  db_id: string;
  creator_id: string;
  updated_by: string;
  revision: string;
  created_at: number;
  updated_at: number;
  masked: number;
  sealed: number;
  deleted_at: number | null;
  header: string;
  secret: string;
}

/**
 * One page of a snapshot: candidate rows in the storage's id order, after `after`, at most `limit`.
 * The rows are read whole, since the walk visits them anyway, so building the answer re-reads nothing.
 */
export async function snapshotPage(db: Conn, s: SyncScope, snapshotSeq: number, after: string, limit: number): Promise<SyncRow[]> {
  let q = snapshotQuery(db, s, snapshotSeq).select([...ROW_COLUMNS]);
  if (after !== '') q = q.where('r.id', '>', after);
  return q.orderBy('r.id').limit(limit).execute();
}

/** How many records the snapshot holds for the user (the progress total of a reset). */
export async function snapshotCount(db: Conn, s: SyncScope, snapshotSeq: number): Promise<number> {
  const row = await snapshotQuery(db, s, snapshotSeq)
    .select(sql<number | string>`count(*)`.as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}


/** Rows that decide eligibility, by id (any database: the caller filters). */
export async function eligibilityRows(db: Conn, ids: readonly string[]) {
  return db.selectFrom('records').select(['id', 'db_id', 'creator_id', 'sealed', 'deleted_at']).where('id', 'in', [...ids]).execute();
}

/** Whole sync rows by id. */
export async function syncRowsById(db: Conn, ids: readonly string[]): Promise<SyncRow[]> {
  return (db as Kysely<Tables>).selectFrom('records as r').select([...ROW_COLUMNS]).where('r.id', 'in', [...ids]).execute();
}

/** The key rows of `recordIds` held by the user or by one of `roleIds`. */
export async function keyRowsFor(db: Conn, recordIds: readonly string[], userId: string, roleIds: readonly string[]) {
  return db
    .selectFrom('record_keys')
    .select(['record_id', 'holder_kind', 'holder_id', 'header_key', 'secret_key'])
    .where('record_id', 'in', [...recordIds])
    .where((eb) => {
      const mine = eb.and([eb('holder_kind', '=', 'user'), eb('holder_id', '=', userId)]);
      return roleIds.length === 0 ? mine : eb.or([mine, eb.and([eb('holder_kind', '=', 'role'), eb('holder_id', 'in', [...roleIds])])]);
    })
    .execute();
}
