/**
 * The records a sync sends, and the queries that find them. An offline database holds every record on
 * which the user holds `export` (R4), so unlike the online views (which need `read`), the key row a
 * record is served with may come from a role granting export only. Sealed records are never eligible
 * (R5), so their secret part and wrapped secret key never leave the server through a sync.
 *
 * Rights come from the one resolver (repositories/access.ts `accessOf`: primary-key lookups of `grants`
 * by record id, a fixed number of queries per chunk of ids whatever the page size); the snapshot's SQL
 * pre-filter tests the export bit of `grants.rights_mask` (the grants_export partial index).
 */
import { sql, type Kysely } from 'kysely';
import type { RecordWire, Right } from '@safehold/protocol/api';
import { isOfflineEligible, maskHas, rightsOfMask } from '@safehold/domain';
import type { Tables } from '../storage/schema.js';
import type { Db } from './changes.js';
import { iso, userNames } from './lookup.js';
import { groupKeyRows, keyFields, type KeyRow } from './recordwire.js';
import { accessOf, grantHoldsExport } from '../repositories/access.js';
import { chunks } from '../repositories/chunks.js';
import { roleNames } from '../repositories/grants.js';

export { chunks };

/** Who syncs which database: the user, its roles in that database, and the storage dialect (for query plans). */
export interface SyncScope {
  userId: string;
  user: string;
  dbId: string;
  dbName: string;
  /** Ids of the roles of this database the user is a member of. */
  roles: string[];
  dialect: 'sqlite' | 'postgres';
}

/** The roles of `dbId` that `userId` is a member of. */
export async function memberRoles(db: Db, userId: string, dbId: string): Promise<string[]> {
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
function snapshotQuery(db: Db, s: SyncScope, snapshotSeq: number) {
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
export async function snapshotPage(db: Db, s: SyncScope, snapshotSeq: number, after: string, limit: number): Promise<SyncRow[]> {
  let q = snapshotQuery(db, s, snapshotSeq).select([...ROW_COLUMNS]);
  if (after !== '') q = q.where('r.id', '>', after);
  return q.orderBy('r.id').limit(limit).execute();
}

/** How many records the snapshot holds for the user (the progress total of a reset). */
export async function snapshotCount(db: Db, s: SyncScope, snapshotSeq: number): Promise<number> {
  const row = await snapshotQuery(db, s, snapshotSeq)
    .select(sql<number | string>`count(*)`.as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

interface RecordRights {
  rights: Right[];
  /** Roles through which the user holds read or export: their key rows may serve the user. */
  keyRoles: Set<string>;
}

/** The user's effective rights on each of `recs` (the one resolver, with the roles the page already knows). */
async function rightsOf(db: Db, s: SyncScope, recs: ReadonlyArray<{ id: string; creator_id: string }>): Promise<Map<string, RecordRights>> {
  const out = new Map<string, RecordRights>();
  const access = await accessOf(db, { userId: s.userId, dbId: s.dbId, roles: s.roles }, recs);
  for (const [id, a] of access) {
    out.set(id, {
      rights: rightsOfMask(a.mask),
      keyRoles: new Set([...a.viaRoles].filter(([, m]) => maskHas(m, 'read') || maskHas(m, 'export')).map(([role]) => role)),
    });
  }
  return out;
}

/** Current offline eligibility of each id for the user (absent, deleted, sealed or without export: false). */
export async function eligibility(db: Db, s: SyncScope, ids: readonly string[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  for (const part of chunks(ids)) {
    const recs = await db
      .selectFrom('records')
      .select(['id', 'db_id', 'creator_id', 'sealed', 'deleted_at'])
      .where('id', 'in', part)
      .execute();
    const mine = recs.filter((r) => r.db_id === s.dbId);
    const rights = await rightsOf(db, s, mine);
    for (const id of part) out.set(id, false);
    for (const r of mine) {
      out.set(r.id, isOfflineEligible({ rights: rights.get(r.id)?.rights ?? [], sealed: r.sealed === 1, deleted: r.deleted_at !== null }));
    }
  }
  return out;
}

/**
 * The records among `ids` that are offline-eligible for the user now, as the user's RecordWire with the
 * secret part and the user's key row (its own, else that of a role it holds read or export through), in
 * the order of `ids`. An id that stopped being eligible since it was chosen is left out (the change that
 * made it so has a later seq and is handled by the next delta).
 */
export async function buildSyncWires(db: Db, s: SyncScope, ids: readonly string[]): Promise<RecordWire[]> {
  const byId = new Map<string, RecordWire>();
  for (const part of chunks(ids)) {
    const rows = await (db as Kysely<Tables>).selectFrom('records as r').select([...ROW_COLUMNS]).where('r.id', 'in', part).execute();
    for (const w of await wiresOf(db, s, rows)) byId.set(w.id, w);
  }
  return ids.map((id) => byId.get(id)).filter((w): w is RecordWire => w !== undefined);
}

/** Like buildSyncWires, from rows already read (a snapshot page), in their order. */
export async function wiresOf(db: Db, s: SyncScope, rows: readonly SyncRow[]): Promise<RecordWire[]> {
  const out: RecordWire[] = [];
  for (const part of chunks(rows)) out.push(...(await buildChunk(db, s, part)));
  return out;
}

async function buildChunk(db: Db, s: SyncScope, rows: readonly SyncRow[]): Promise<RecordWire[]> {
  const recs = rows.filter((r) => r.db_id === s.dbId);
  if (recs.length === 0) return [];
  const rights = await rightsOf(db, s, recs);
  const eligible = recs.filter((r) =>
    isOfflineEligible({ rights: rights.get(r.id)?.rights ?? [], sealed: r.sealed === 1, deleted: r.deleted_at !== null }),
  );
  if (eligible.length === 0) return [];

  const keyRoleIds = [...new Set(eligible.flatMap((r) => [...(rights.get(r.id)?.keyRoles ?? [])]))];
  const keyRows: KeyRow[] = await db
    .selectFrom('record_keys')
    .select(['record_id', 'holder_kind', 'holder_id', 'header_key', 'secret_key'])
    .where(
      'record_id',
      'in',
      eligible.map((r) => r.id),
    )
    .where((eb) => {
      const mine = eb.and([eb('holder_kind', '=', 'user'), eb('holder_id', '=', s.userId)]);
      return keyRoleIds.length === 0 ? mine : eb.or([mine, eb.and([eb('holder_kind', '=', 'role'), eb('holder_id', 'in', keyRoleIds)])]);
    })
    .execute();
  const { own, viaRole } = groupKeyRows(keyRows, (recordId, roleId) => rights.get(recordId)?.keyRoles.has(roleId) ?? false);
  const names = await userNames(db, eligible.flatMap((r) => [r.creator_id, r.updated_by]));
  const roleNameOf = await roleNames(db, keyRoleIds);

  return eligible.map((r): RecordWire => ({
    id: r.id,
    db: s.dbName,
    revision: r.revision,
    creator: names.get(r.creator_id) ?? '',
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    updatedBy: names.get(r.updated_by) ?? '',
    masked: r.masked === 1,
    sealed: false,
    seal: null,
    header: r.header,
    secret: r.secret,
    // Sealed records are never eligible (R5), so nothing is withheld here.
    ...keyFields(own.get(r.id), viaRole.get(r.id) ?? [], roleNameOf, s.user, false),
    rights: rights.get(r.id)?.rights ?? [],
  }));
}
