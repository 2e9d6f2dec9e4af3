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
import type { RecordWire, Right } from '@safehold/protocol/api';
import { isOfflineEligible, maskHas, rightsOfMask } from '@safehold/domain';
import type { Conn } from '../repositories/db.js';
import { iso, userNames } from '../repositories/lookup.js';
import { groupKeyRows, keyFields, type KeyRow } from './recordwire.js';
import { accessOf } from '../repositories/access.js';
import { eligibilityRows, keyRowsFor, syncRowsById, type SyncRow, type SyncScope } from '../repositories/syncrecords.js';
import { chunks } from '../repositories/chunks.js';
import { roleNames } from '../repositories/grants.js';



interface RecordRights {
  rights: Right[];
  /** Roles through which the user holds read or export: their key rows may serve the user. */
  keyRoles: ReadonlySet<string>;
}

/** No role serves a record: shared by every record without a role grant (most of a page, often all of it). */
const NO_ROLES: ReadonlySet<string> = new Set();

/**
 * The user's effective rights on each of `recs` (the one resolver, with the roles the page already knows).
 * A page has a handful of distinct masks, so each mask's rights list is made once and shared by its records
 * (the answers are serialised, never edited).
 */
async function rightsOf(db: Conn, s: SyncScope, recs: ReadonlyArray<{ id: string; creator_id: string }>): Promise<Map<string, RecordRights>> {
  const out = new Map<string, RecordRights>();
  const access = await accessOf(db, { userId: s.userId, dbId: s.dbId, roles: s.roles }, recs);
  const rightsByMask = new Map<number, Right[]>();
  for (const [id, a] of access) {
    let rights = rightsByMask.get(a.mask);
    if (!rights) {
      rights = rightsOfMask(a.mask);
      rightsByMask.set(a.mask, rights);
    }
    const keyRoles = a.viaRoles.size === 0 ? NO_ROLES : new Set([...a.viaRoles].filter(([, m]) => maskHas(m, 'read') || maskHas(m, 'export')).map(([role]) => role));
    out.set(id, { rights, keyRoles });
  }
  return out;
}

/** Current offline eligibility of each id for the user (absent, deleted, sealed or without export: false). */
export async function eligibility(db: Conn, s: SyncScope, ids: readonly string[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  for (const part of chunks(ids)) {
    const recs = await eligibilityRows(db, part);
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
export async function buildSyncWires(db: Conn, s: SyncScope, ids: readonly string[]): Promise<RecordWire[]> {
  const byId = new Map<string, RecordWire>();
  for (const part of chunks(ids)) {
    const rows = await syncRowsById(db, part);
    for (const w of await wiresOf(db, s, rows)) byId.set(w.id, w);
  }
  return ids.map((id) => byId.get(id)).filter((w): w is RecordWire => w !== undefined);
}

/** Like buildSyncWires, from rows already read (a snapshot page), in their order. */
export async function wiresOf(db: Conn, s: SyncScope, rows: readonly SyncRow[]): Promise<RecordWire[]> {
  const out: RecordWire[] = [];
  for (const part of chunks(rows)) out.push(...(await buildChunk(db, s, part)));
  return out;
}

async function buildChunk(db: Conn, s: SyncScope, rows: readonly SyncRow[]): Promise<RecordWire[]> {
  const recs = rows.filter((r) => r.db_id === s.dbId);
  if (recs.length === 0) return [];
  const rights = await rightsOf(db, s, recs);
  const eligible = recs.filter((r) =>
    isOfflineEligible({ rights: rights.get(r.id)?.rights ?? [], sealed: r.sealed === 1, deleted: r.deleted_at !== null }),
  );
  if (eligible.length === 0) return [];

  const roleSet = new Set<string>();
  for (const r of eligible) for (const role of rights.get(r.id)?.keyRoles ?? NO_ROLES) roleSet.add(role);
  const keyRoleIds = [...roleSet];
  const keyRows: KeyRow[] = await keyRowsFor(
    db,
    eligible.map((r) => r.id),
    s.userId,
    keyRoleIds,
  );
  const { own, viaRole } = groupKeyRows(keyRows, (recordId, roleId) => rights.get(recordId)?.keyRoles.has(roleId) ?? false);
  const names = await userNames(db, eligible.flatMap((r) => [r.creator_id, r.updated_by]));
  const roleNameOf = await roleNames(db, keyRoleIds);

  return eligible.map((r): RecordWire => {
    const createdAt = iso(r.created_at);
    // Sealed records are never eligible (R5), so nothing is withheld here.
    const { keys, keyHolder } = keyFields(own.get(r.id), viaRole.get(r.id) ?? [], roleNameOf, s.user, false);
    return {
      id: r.id,
      db: s.dbName,
      revision: r.revision,
      creator: names.get(r.creator_id) ?? '',
      createdAt,
      // Most records were never edited: one date formatting for both.
      updatedAt: Number(r.updated_at) === Number(r.created_at) ? createdAt : iso(r.updated_at),
      updatedBy: names.get(r.updated_by) ?? '',
      masked: r.masked === 1,
      sealed: false,
      seal: null,
      header: r.header,
      secret: r.secret,
      keys,
      keyHolder,
      rights: rights.get(r.id)?.rights ?? [],
    };
  });
}
