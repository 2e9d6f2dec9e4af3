/**
 * Builds RecordWire answers for one caller: rights, the key row the caller can open, the seal and
 * whether the secret is withheld. Batched (a fixed number of queries for any number of records), so
 * lists have no per-record lookups. Seal rule: while sealed, `secret` and `keys.secret` are null for
 * everyone, creator included, except a requester inside an approved, unexpired release.
 */
import type { RecordWire, KeyHolder } from '@safehold/protocol/api';
import type { Clock } from '../clock.js';
import type { Conn } from '../repositories/db.js';
import { maskHas, rightsOfMask } from '@safehold/domain';
import type { Actor, DbScope } from './rights.js';
import { rightsFor } from '../repositories/access.js';
import { roleNames } from '../repositories/grants.js';
import { iso, parseIdList, userNames } from '../repositories/lookup.js';
import { activeReleases } from '../repositories/releases.js';
import { keyRowsInDatabase, recordViewsById, recordViewsOfDatabase, secretsOf, sealsOf, sealsOfDatabase, type RecordViewRow } from '../repositories/recordviews.js';

export { activeReleases };

export interface LoadOptions {
  /** Only these records (still filtered by what the caller can read); all readable ones when absent. */
  ids?: readonly string[];
  /** Include the secret ciphertext (single-record answers); lists leave it null. */
  withSecret: boolean;
  /** Above this many readable records a list scans the database instead of fetching by id (tests lower it). */
  fullScanAbove?: number;
}

/** Above this many readable records a list scans the database's records instead of fetching them by id. */
const FULL_SCAN_ABOVE = 5000;
const ID_CHUNK = 1000;

/** A record_keys row: one holder's wrapped keys of one record. */
export interface KeyRow {
  record_id: string;
  holder_kind: string;
  holder_id: string;
  header_key: string;
  secret_key: string | null;
}

/** The caller's view of the readable records among `opts.ids` (or of the whole database), ordered by id. */
export async function loadRecordWires(
  db: Conn,
  clock: Clock,
  actor: Actor,
  scope: DbScope,
  opts: LoadOptions,
): Promise<RecordWire[]> {
  const access = await rightsFor(db, { userId: actor.userId, dbId: scope.dbId }, opts.ids ?? 'database');
  const readable = new Set([...access].filter(([, a]) => maskHas(a.mask, 'read')).map(([id]) => id));
  if (readable.size === 0) return [];
  // Roles through which the caller can read each record: their key rows may serve the caller.
  const roleReaders = new Map<string, Set<string>>();
  for (const [id, a] of access) {
    const readers = [...a.viaRoles].filter(([, m]) => maskHas(m, 'read')).map(([role]) => role);
    if (readers.length > 0) roleReaders.set(id, new Set(readers));
  }
  const roleIds = [...new Set([...roleReaders.values()].flatMap((s) => [...s]))];

  let recs: RecordViewRow[];
  if (opts.ids || readable.size <= (opts.fullScanAbove ?? FULL_SCAN_ABOVE)) {
    // By id, in chunks that stay far below both dialects' bound-parameter limits.
    const list = [...readable];
    recs = [];
    for (let i = 0; i < list.length; i += ID_CHUNK) recs.push(...(await recordViewsById(db, scope.dbId, list.slice(i, i + ID_CHUNK))));
    recs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  } else {
    // Most of the database is readable: one scan beats many id lists.
    recs = (await recordViewsOfDatabase(db, scope.dbId)).filter((r) => readable.has(r.id));
  }

  const secrets = new Map<string, string>();
  if (opts.withSecret) {
    for (const row of await secretsOf(db, recs.map((r) => r.id))) secrets.set(row.id, row.secret);
  }

  const keyRows = await keyRowsInDatabase(db, scope.dbId, actor.userId, roleIds, opts.ids ? [...readable] : null);
  const { own: ownKeys, viaRole: roleKeys } = groupKeyRows(keyRows, (recordId, roleId) => roleReaders.get(recordId)?.has(roleId) ?? false);
  const roleNameOf = await roleNames(db, roleIds);

  const sealedIds = recs.filter((r) => r.sealed === 1).map((r) => r.id);
  const seals = new Map<string, { approvers: string[]; required: number; windowMinutes: number }>();
  let released = new Set<string>();
  if (sealedIds.length > 0) {
    // Lists read the database's seals in one query rather than an id list of unbounded length.
    const sealRows = opts.ids ? await sealsOf(db, sealedIds) : await sealsOfDatabase(db, scope.dbId);
    const approverIds = new Set<string>();
    const parsed = sealRows.map((s) => {
      const ids = parseIdList(s.approvers);
      ids.forEach((id) => approverIds.add(id));
      return { s, ids };
    });
    const names = await userNames(db, [...approverIds]);
    for (const { s, ids } of parsed) {
      seals.set(s.record_id, {
        approvers: ids.map((id) => names.get(id)).filter((n): n is string => n !== undefined),
        required: Number(s.required),
        windowMinutes: Number(s.window_minutes),
      });
    }
    released = await activeReleases(db, clock, actor.userId, scope.dbId, opts.ids ? sealedIds : undefined);
  }

  return recs.map((r) => {
    const withheld = r.sealed === 1 && !released.has(r.id);
    return {
      id: r.id,
      db: scope.dbName,
      revision: r.revision,
      creator: r.creator,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
      updatedBy: r.updated_by,
      masked: r.masked === 1,
      sealed: r.sealed === 1,
      seal: r.sealed === 1 ? (seals.get(r.id) ?? null) : null,
      header: r.header,
      secret: opts.withSecret && !withheld ? (secrets.get(r.id) ?? null) : null,
      ...keyFields(ownKeys.get(r.id), roleKeys.get(r.id) ?? [], roleNameOf, actor.user, withheld),
      rights: rightsOfMask(access.get(r.id)?.mask ?? 0),
    };
  });
}

/**
 * Splits the caller's key rows per record: its own row, and the rows of the roles `roleServes` accepts
 * for that record (the roles it reads, or exports, the record through); other rows are dropped.
 */
export function groupKeyRows(
  rows: readonly KeyRow[],
  roleServes: (recordId: string, roleId: string) => boolean,
): { own: Map<string, KeyRow>; viaRole: Map<string, KeyRow[]> } {
  const own = new Map<string, KeyRow>();
  const viaRole = new Map<string, KeyRow[]>();
  for (const k of rows) {
    if (k.holder_kind === 'user') own.set(k.record_id, k);
    else if (roleServes(k.record_id, k.holder_id)) {
      const list = viaRole.get(k.record_id) ?? [];
      list.push(k);
      viaRole.set(k.record_id, list);
    }
  }
  return { own, viaRole };
}

/**
 * The `keys` and `keyHolder` of a RecordWire: the chosen key row (see chooseKey) and who holds it;
 * `withholdSecretKey` nulls the wrapped secret key (a seal without a release in force).
 */
export function keyFields(
  own: KeyRow | undefined,
  roles: KeyRow[],
  roleNameOf: ReadonlyMap<string, string>,
  user: string,
  withholdSecretKey: boolean,
): Pick<RecordWire, 'keys' | 'keyHolder'> {
  const key = chooseKey(own, roles, roleNameOf);
  if (!key) return { keys: null, keyHolder: null };
  const holder: KeyHolder =
    key.holder_kind === 'user' ? { kind: 'user', user } : { kind: 'role', role: roleNameOf.get(key.holder_id) ?? '' };
  return { keys: { header: key.header_key, secret: withholdSecretKey ? null : key.secret_key }, keyHolder: holder };
}

/**
 * The caller's own row when it opens the secret (or nothing else does), else a row of a role it
 * reads through that holds the secret key: after a seal, a user's adopted copy may have lost the
 * secret key while its role's row carries the new one. Role rows are tried in role-name order.
 */
function chooseKey(own: KeyRow | undefined, roles: KeyRow[], roleNameOf: ReadonlyMap<string, string>): KeyRow | undefined {
  if (own && own.secret_key !== null) return own;
  const sorted = [...roles].sort((a, b) => (roleNameOf.get(a.holder_id) ?? '').localeCompare(roleNameOf.get(b.holder_id) ?? ''));
  return sorted.find((k) => k.secret_key !== null) ?? own ?? sorted[0];
}
