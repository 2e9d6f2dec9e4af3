/**
 * The change reader of the sync core's delta walk (domain `walkDelta`) over the server's tables:
 * the change log of one database, and the records a role-membership change of the caller can affect.
 */
import type { ChangeReader, ChangeRow, RoleChange } from '@safehold/domain';
import type { Conn } from './db.js';
import { exportGrantsOfRole, type OfflineCopyKey } from './offline.js';

/** A reader for one page of `k`'s delta, whose request starts at position `from` (domain positionOf). */
export function changeReader(db: Conn, k: OfflineCopyKey, from: number): ChangeReader {
  return {
    async changesAfter(seq: number, n: number): Promise<ChangeRow[]> {
      const rows = await db
        .selectFrom('changes')
        .select(['seq', 'kind', 'record_id', 'role_id', 'user_id'])
        .where('db_id', '=', k.dbId)
        .where('seq', '>', seq)
        .orderBy('seq')
        .limit(n)
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, recordId: r.record_id, roleId: r.role_id, userId: r.user_id }));
    },
    roleRecords: (ch, after, n) => (ch.kind === 'role_member_added' ? grantedToRole(db, ch, after, n) : heldViaRole(db, k, ch, after, n, from)),
  };
}

/** On joining a role: the records granted export to it, by id after `after`. */
async function grantedToRole(db: Conn, ch: RoleChange, after: string, n: number): Promise<string[]> {
  return exportGrantsOfRole(db, ch.roleId, after, n);
}

/**
 * On leaving a role: the records granted to it that the device holds or may still hold (only those can
 * have left the caller's set, and only ids the device was given may be named as removed).
 */
async function heldViaRole(db: Conn, k: OfflineCopyKey, ch: RoleChange, after: string, n: number, from: number): Promise<string[]> {
  let held = db
    .selectFrom('offline_held as h')
    .innerJoin('grants as g', (j) => j.onRef('g.record_id', '=', 'h.record_id').on('g.holder_kind', '=', 'role').on('g.holder_id', '=', ch.roleId))
    .select('h.record_id')
    .where('h.device_id', '=', k.deviceId)
    .where('h.user_id', '=', k.userId)
    .where('h.db_id', '=', k.dbId);
  if (after !== '') held = held.where('h.record_id', '>', after);
  let gone = db
    .selectFrom('offline_gone as h')
    .innerJoin('grants as g', (j) => j.onRef('g.record_id', '=', 'h.record_id').on('g.holder_kind', '=', 'role').on('g.holder_id', '=', ch.roleId))
    .select('h.record_id')
    .where('h.device_id', '=', k.deviceId)
    .where('h.user_id', '=', k.userId)
    .where('h.db_id', '=', k.dbId)
    // mayStillHold, in SQL.
    .where('h.gone_pos', '>', from);
  if (after !== '') gone = gone.where('h.record_id', '>', after);
  // One ordered statement: the page's `after` bound is compared in the database's own collation.
  const rows = await db.selectFrom(held.union(gone).as('u')).select('u.record_id').orderBy('u.record_id').limit(n).execute();
  return rows.map((r) => r.record_id);
}
