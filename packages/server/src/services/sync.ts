/**
 * Offline sync (DESIGN "Sync protocol", docs/adr/0004-sync-protocol.md). One page per call:
 *  - refused (R1/R2) unless offline is enabled for the database and the caller holds the right; a
 *    device that already holds an offline database gets a signed wipe order instead (E2);
 *  - a cursor equal to the database's counter is a no-change sync: one primary-key lookup, and at most
 *    a coalesced last-seen write;
 *  - "0", an unknown device or a cursor older than the kept change log: a reset, paged through a
 *    snapshot at seq S (eligible records with change_seq <= S, by id), then a delta from S;
 *  - a delta walks `changes` after the cursor in seq order and decides each touched record with the
 *    current state: eligible -> sent, held but no longer eligible -> removed, else nothing.
 * Every answer carries a lease signed with the server key.
 */
import type { Kysely } from 'kysely';
import { SafeholdError, isName } from '@safehold/protocol';
import { DEFAULT_SYNC_LIMIT, MAX_SYNC_LIMIT, type OfflineInfo, type RecordWire, type SyncResponse } from '@safehold/protocol/api';
import {
  DAY_MS,
  formatCursor,
  leasePayload,
  parseCursor,
  planDelta,
  wipeReason,
  type SyncCursor,
} from '@safehold/domain';
import type { ChangeKind, Tables } from '../storage/schema.js';
import type { Clock } from '../clock.js';
import { LAST_SEEN_COALESCE_MS } from '../config.js';
import { requireMember } from './accounts.js';
import { writeAudit } from './audit.js';
import type { Db } from './changes.js';
import { chunks } from '../repositories/chunks.js';
import {
  exportGrantsOfRole,
  heldAmong,
  heldGrantedToRole,
  loadSyncState,
  offlineInstance,
  readChanges,
  stampDevice,
  touchLastSeen,
  writeHeld,
  type HeldKey,
} from '../repositories/offline.js';
import type { Caller } from '../caller.js';
import { buildSyncWires, eligibility, memberRoles, snapshotCount, snapshotPage, wiresOf, type SyncScope } from './syncwire.js';
import { randomId } from '@safehold/crypto';
import { signPayload, supersedeOrders, wipeForSync, type OfflineDeps } from './wipe.js';

/** Changes older than this may be pruned; a cursor older than the pruned part gets a reset. */
export const KEEP_CHANGES_DAYS = 90;
/** Change rows read per query while walking a delta. */
const CHANGE_BATCH = 1000;
/** Change rows walked by one page at most (many changes to few records would otherwise walk the whole log). */
const MAX_CHANGES_PER_PAGE = 20_000;

/** The caller of a sync: a user on one device (from its session). */
type SyncCaller = Pick<Caller, 'userId' | 'user' | 'deviceId'>;

/** The caller's offline switch, right and days for one database (404 when not a member). */
export async function offlineInfo(db: Db, caller: SyncCaller, dbName: string): Promise<OfflineInfo> {
  const m = await requireMember(db, caller, dbName);
  return { db: dbName, enabled: m.offlineEnabled, right: m.offlineRight, offlineDays: m.offlineDays };
}

interface PageContext {
  deps: OfflineDeps;
  caller: SyncCaller;
  dbId: string;
  dbName: string;
  limit: number;
  scope: SyncScope;
  /** The device's copy: key of its held set and offline_devices row. */
  held: HeldKey;
}

/** One page of the offline sync of `dbName` for the caller's device. */
export async function syncPage(
  deps: OfflineDeps,
  caller: SyncCaller,
  dbName: string,
  req: { cursor?: string | undefined; limit?: number | undefined },
): Promise<SyncResponse> {
  const cursor = parseCursor(req.cursor);
  const limit = req.limit ?? DEFAULT_SYNC_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SYNC_LIMIT) {
    throw new SafeholdError('bad_request', `limit must be between 1 and ${MAX_SYNC_LIMIT}`);
  }
  if (!isName(dbName)) throw new SafeholdError('not_found', 'no such database');
  const st = await loadSyncState(deps.db, caller, dbName);
  if (!st) throw new SafeholdError('not_found', 'no such database');
  const member = st.member !== null;
  const holds = st.held_since !== null;

  const reason = wipeReason({
    deviceRevoked: false, // a revoked device has no session: it gets its order from GET /devices/:id/orders
    userRemoved: !member,
    offlineEnabled: st.offline === 1,
    offlineRight: member && st.offline_right === 1,
  });
  if (reason) {
    // Every refusal of a device that held (or still has a pending order for) this offline database answers the signed order.
    const wipe = await wipeForSync(deps, { deviceId: caller.deviceId, userId: caller.userId, userName: caller.user, dbId: st.id, dbName }, reason, holds);
    if (wipe) return { kind: 'wipe', wipe };
    if (!member) throw new SafeholdError('not_found', 'no such database');
    if (st.offline !== 1) {
      throw new SafeholdError('offline_not_enabled', `offline mode is not enabled for database '${dbName}'; an admin must enable it`);
    }
    throw new SafeholdError('offline_no_right', `you do not hold the offline right in database '${dbName}'; an admin must grant it`);
  }

  const now = deps.clock.now();
  const leaseFor = (instance: { id: string; createdAt: number } | null) =>
    signPayload(
      deps.signer,
      leasePayload({ server: deps.serverId, user: caller.user, device: caller.deviceId, db: dbName, offlineDays: st.offline_days ?? 0, offlineEdits: st.offline_edits === 1, now, instance }),
    );
  const dbSeq = Number(st.seq);

  // No change: the lookup above was the only read; the only write is a coalesced last-seen time.
  if (holds && cursor.kind === 'delta' && cursor.seq === dbSeq) {
    if (st.last_seen_at === null || now - Number(st.last_seen_at) >= LAST_SEEN_COALESCE_MS) {
      await touchLastSeen(deps.db, { deviceId: caller.deviceId, userId: caller.userId, dbId: st.id }, now, LAST_SEEN_COALESCE_MS);
    }
    const instance = st.instance_id !== null && st.held_since !== null ? { id: st.instance_id, createdAt: Number(st.held_since) } : null;
    return { kind: 'changes', reset: false, records: [], removed: [], cursor: formatCursor(cursor), hasMore: false, total: null, lease: leaseFor(instance) };
  }

  const scope: SyncScope = {
    userId: caller.userId,
    user: caller.user,
    dbId: st.id,
    dbName,
    roles: await memberRoles(deps.db, caller.userId, st.id),
    dialect: deps.dialect,
  };
  const ctx: PageContext = { deps, caller, dbId: st.id, dbName, limit, scope, held: { deviceId: caller.deviceId, userId: caller.userId, dbId: st.id } };
  const page = await (async (): Promise<Page> => {
    if (!holds || cursor.kind === 'start') return resetPage(ctx, dbSeq, '');
    if (cursor.kind === 'reset') {
      // A snapshot from the future (a restored or foreign database) restarts the reset.
      return cursor.snapshotSeq > dbSeq ? resetPage(ctx, dbSeq, '') : resetPage(ctx, cursor.snapshotSeq, cursor.after, cursor.total);
    }
    const appliedThrough = cursor.kind === 'delta' ? cursor.seq : cursor.seq - 1;
    if (appliedThrough < 0 || cursor.seq > dbSeq || appliedThrough < (await prunedThrough(deps.db, st.id))) {
      return resetPage(ctx, dbSeq, '');
    }
    return deltaPage(ctx, cursor, dbSeq);
  })();
  // The instance as written by this page (a first sync creates it), carried in the lease (12.5).
  const instance = await offlineInstance(deps.db, ctx.held);
  return { kind: 'changes', ...page, lease: leaseFor(instance) };
}

interface Page {
  reset: boolean;
  records: RecordWire[];
  removed: string[];
  cursor: string;
  hasMore: boolean;
  total: number | null;
}

/**
 * One page of a reset: eligible records with change_seq <= S after `after`, in id order. `total` is
 * counted on the first page only (a count walks the whole snapshot: once per reset is cheap enough) and
 * carried to the later pages in their cursor.
 */
async function resetPage(ctx: PageContext, snapshotSeq: number, after: string, carried?: number): Promise<Page> {
  const { db } = ctx.deps;
  const candidates = await snapshotPage(db, ctx.scope, snapshotSeq, after, ctx.limit + 1);
  const hasMore = candidates.length > ctx.limit;
  const rows = candidates.slice(0, ctx.limit);
  const records = await wiresOf(db, ctx.scope, rows);
  const total = after === '' ? await snapshotCount(db, ctx.scope, snapshotSeq) : (carried ?? null);
  const heldBefore = await heldAmong(db, ctx.held, records.map((r) => r.id));
  await writePage(ctx, {
    sent: records.map((r) => r.id),
    heldBefore,
    removed: [],
    appliedSeq: hasMore ? null : snapshotSeq,
    reset: true,
  });
  const last = rows[rows.length - 1]?.id;
  const next: SyncCursor =
    hasMore && last !== undefined
      ? { kind: 'reset', snapshotSeq, after: last, ...(total !== null ? { total } : {}) }
      : { kind: 'delta', seq: snapshotSeq };
  return { reset: true, records, removed: [], cursor: formatCursor(next), hasMore, total };
}

type RoleChange = { seq: number; kind: ChangeKind; role_id: string | null; user_id: string | null };

/** One page of a delta: the records touched by the changes after the cursor, decided with the current state. */
async function deltaPage(ctx: PageContext, cursor: SyncCursor & { kind: 'delta' | 'partial' }, dbSeq: number): Promise<Page> {
  const { db } = ctx.deps;
  const affected: string[] = [];
  const seen = new Set<string>();
  const add = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    affected.push(id);
  };
  // Every change with seq <= done is fully applied by the page being built.
  let done = cursor.kind === 'delta' ? cursor.seq : cursor.seq - 1;
  let next: SyncCursor | null = null;
  let full = false;
  let fetchedThrough = done;
  let walked = 0;
  walk: for (;;) {
    const batch = await readChanges(db, ctx.dbId, fetchedThrough, CHANGE_BATCH);
    for (const ch of batch) {
      fetchedThrough = ch.seq;
      if (ch.record_id !== null) {
        add(ch.record_id);
      } else if (isMyRoleChange(ch, ctx.caller.userId)) {
        const after = cursor.kind === 'partial' && cursor.seq === ch.seq ? cursor.after : '';
        const room = ctx.limit - affected.length;
        const ids = await roleRecords(db, ctx, ch, after, room + 1);
        if (ids.length > room) {
          const take = ids.slice(0, room);
          take.forEach(add);
          next = { kind: 'partial', seq: ch.seq, after: take[take.length - 1] as string };
          break walk;
        }
        ids.forEach(add);
      }
      done = ch.seq;
      if (affected.length >= ctx.limit || ++walked >= MAX_CHANGES_PER_PAGE) {
        full = true;
        break walk;
      }
    }
    if (batch.length < CHANGE_BATCH) break;
  }
  // Walked to the end: every change up to the counter read before the walk was visible (a seq is
  // committed with its change row), so the cursor may move up to it even across a gap.
  next ??= { kind: 'delta', seq: full ? done : Math.max(done, dbSeq) };
  const hasMore = next.kind === 'partial' || (full && done < dbSeq);

  const elig = await eligibility(db, ctx.scope, affected);
  const held = await heldAmong(db, ctx.held, affected);
  const plan = planDelta(affected.map((id) => ({ id, eligible: elig.get(id) === true, held: held.has(id) })));
  const built = await buildSyncWires(db, ctx.scope, plan.send);
  // A record changed again after this page's end (a writer committed while the page was built) waits
  // for the page that walks that change: sent now, it would reach the cursor twice (issue 17, found
  // under PostgreSQL load). change_seq only grows, so reading it after the wires is exact.
  const later = await changedAfter(db, built.map((r) => r.id), next.seq);
  const records = later.size === 0 ? built : built.filter((r) => !later.has(r.id));
  await writePage(ctx, {
    sent: records.map((r) => r.id),
    heldBefore: held,
    removed: plan.remove,
    appliedSeq: next.kind === 'delta' ? next.seq : next.seq - 1,
    reset: false,
  });
  return { reset: false, records, removed: plan.remove, cursor: formatCursor(next), hasMore, total: null };
}

function isMyRoleChange(ch: RoleChange, userId: string): ch is RoleChange & { role_id: string } {
  return (ch.kind === 'role_member_added' || ch.kind === 'role_member_removed') && ch.user_id === userId && ch.role_id !== null;
}

/**
 * The records a role-membership change of the caller can affect, by id after `after`: on joining, the
 * records granted export to the role; on leaving, the held records granted to the role (only those
 * can have left the caller's set, and only held ids may be named as removed).
 */
async function roleRecords(db: Db, ctx: PageContext, ch: RoleChange & { role_id: string }, after: string, n: number): Promise<string[]> {
  if (ch.kind === 'role_member_added') return exportGrantsOfRole(db, ch.role_id, after, n);
  return heldGrantedToRole(db, ctx.held, ch.role_id, after, n);
}

/**
 * The writes of one page, in one transaction: the offline_devices row (created at the first sync,
 * audited 'offline_created'), the held set (sent ids added, removed ids dropped), and the
 * 'offline_sync' audit row with counts when records were transferred.
 */
async function writePage(
  ctx: PageContext,
  w: { sent: string[]; heldBefore: Set<string>; removed: string[]; appliedSeq: number | null; reset: boolean },
): Promise<void> {
  const { deps, caller } = ctx;
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    if (await stampDevice(trx, ctx.held, now, w.appliedSeq, randomId)) {
      // A new instance: orders still pending for a wiped one of this device are moot (its client refuses them anyway).
      await supersedeOrders(trx, now, { deviceId: caller.deviceId, userId: caller.userId, dbId: ctx.dbId });
      await writeAudit(trx, deps.clock, {
        db: ctx.dbName,
        actor: caller.user,
        action: 'offline_created',
        target: caller.deviceId,
        detail: { device: caller.deviceId },
      });
    }
    await writeHeld(trx, ctx.held, w.sent, w.removed);
    if (w.sent.length > 0 || w.removed.length > 0) {
      const added = w.sent.filter((id) => !w.heldBefore.has(id)).length;
      await writeAudit(trx, deps.clock, {
        db: ctx.dbName,
        actor: caller.user,
        action: 'offline_sync',
        target: caller.deviceId,
        detail: { device: caller.deviceId, added, updated: w.sent.length - added, removed: w.removed.length, reset: w.reset },
      });
    }
  });
}

const horizonKey = (dbId: string) => `changes_pruned_through:${dbId}`;

/** The highest seq pruned from the database's change log (0 when nothing was pruned). */
export async function prunedThrough(db: Db, dbId: string): Promise<number> {
  const row = await db.selectFrom('server_meta').select('value').where('key', '=', horizonKey(dbId)).executeTakeFirst();
  const n = row ? Number(row.value) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}

/**
 * Prunes change rows older than `keepDays` days from every database and records, per database, the
 * highest seq pruned: a delta cursor below it can no longer be served and gets a reset. Returns the
 * number of rows deleted. Safe to run from any process at any time.
 */
export async function pruneChanges(db: Kysely<Tables>, clock: Clock, keepDays = KEEP_CHANGES_DAYS): Promise<number> {
  const cutoff = clock.now() - keepDays * DAY_MS;
  let deleted = 0;
  for (const d of await db.selectFrom('databases').select('id').execute()) {
    const old = await db
      .selectFrom('changes')
      .select((eb) => eb.fn.max('seq').as('max'))
      .where('db_id', '=', d.id)
      .where('at', '<', cutoff)
      .executeTakeFirst();
    if (old?.max === null || old?.max === undefined) continue;
    const through = Number(old.max);
    deleted += await db.transaction().execute(async (trx) => {
      const prev = await prunedThrough(trx, d.id);
      const value = String(Math.max(prev, through));
      await trx
        .insertInto('server_meta')
        .values({ key: horizonKey(d.id), value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
      const r = await trx.deleteFrom('changes').where('db_id', '=', d.id).where('seq', '<=', through).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }
  return deleted;
}

/** Which of `ids` have a change after `seq` (their change_seq is higher). */
async function changedAfter(db: Db, ids: readonly string[], seq: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('records').select('id').where('id', 'in', part).where('change_seq', '>', seq).execute();
    for (const r of rows) out.add(r.id);
  }
  return out;
}
