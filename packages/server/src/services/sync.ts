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
 * Every answer carries a lease signed with the server key. The rules are the domain's sync core
 * (docs/adr/0060-sync-core.md); this adapter reads and writes each page in one transaction.
 */
import { SafeholdError, isName } from '@safehold/protocol';
import { DEFAULT_SYNC_LIMIT, MAX_SYNC_LIMIT, type OfflineInfo, type RecordWire, type SyncResponse } from '@safehold/protocol/api';
import {
  appliedSeqOf,
  decidePage,
  formatCursor,
  isNoChange,
  leasePayload,
  parseCursor,
  planDelta,
  positionOf,
  resetStep,
  walkDelta,
  wipeReason,
  type PageKind,
} from '@safehold/domain';
import { LAST_SEEN_COALESCE_MS } from '../config.js';
import type { Caller } from '../caller.js';
import { requireMember } from './accounts.js';
import { inTransaction, type Conn } from '../repositories/db.js';
import { changedAfter, heldAmong, loadSyncState, offlineInstance, touchLastSeen, type OfflineCopyKey } from '../repositories/offline.js';
import { memberRoles, snapshotCount, snapshotPage, type SyncScope } from '../repositories/syncrecords.js';
import { prunedThrough } from './retention.js';
import { writePage, type WriteContext } from './syncheld.js';
import { changeReader } from '../repositories/changereader.js';
import { buildSyncWires, eligibility, wiresOf } from './syncwire.js';
import { signPayload, wipeForSync, type OfflineDeps } from './wipe.js';

/** Change rows read per query while walking a delta. */
const CHANGE_BATCH = 1000;
/** Change rows walked by one page at most (many changes to few records would otherwise walk the whole log). */
const MAX_CHANGES_PER_PAGE = 20_000;

/** The caller of a sync: a user on one device (from its session). */
export type SyncCaller = Pick<Caller, 'userId' | 'user' | 'deviceId'>;

interface PageContext {
  trx: Conn;
  write: WriteContext;
  limit: number;
  scope: SyncScope;
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
async function resetPage(ctx: PageContext, page: PageKind & { kind: 'reset' }): Promise<Page> {
  const { trx, scope } = ctx;
  const candidates = await snapshotPage(trx, scope, page.snapshotSeq, page.after, ctx.limit + 1);
  const total = page.after === '' ? await snapshotCount(trx, scope, page.snapshotSeq) : page.total;
  const step = resetStep({ snapshotSeq: page.snapshotSeq, total }, candidates.map((r) => r.id), ctx.limit);
  const records = await wiresOf(trx, scope, candidates.slice(0, ctx.limit));
  const sent = records.map((r) => r.id);
  // Every record of a reset page is sent (domain planReset): the held set only tells new from updated for
  // the audit, and the held-set insert counts that (writePage).
  await writePage(trx, ctx.write, { sent, removed: [], appliedSeq: step.appliedSeq, positions: null, reset: true, counts: null });
  return { reset: true, records, removed: [], cursor: formatCursor(step.next), hasMore: step.hasMore, total };
}

/** One page of a delta: the records touched by the changes after the cursor, decided with the current state. */
async function deltaPage(ctx: PageContext, page: PageKind, dbSeq: number): Promise<Page> {
  if (page.kind !== 'delta') throw new SafeholdError('internal', 'a no-change sync reached the page transaction');
  const { trx, scope } = ctx;
  const key = ctx.write.key;
  const from = positionOf(page.cursor, 'request');
  const reader = changeReader(trx, key, from);
  const walk = await walkDelta(reader, { cursor: page.cursor, dbSeq, userId: key.userId }, { limit: ctx.limit, batch: CHANGE_BATCH, maxChanges: MAX_CHANGES_PER_PAGE });
  const elig = await eligibility(trx, scope, walk.affected);
  const { held, removable } = await heldAmong(trx, key, walk.affected, from);
  const plan = planDelta(walk.affected.map((id) => ({ id, eligible: elig.get(id) === true, held: held.has(id), removable: removable.has(id) })));
  const built = await buildSyncWires(trx, scope, plan.send);
  // A record changed again after this page's end (a writer committed while the page was built: PostgreSQL
  // runs READ COMMITTED) waits for the page that walks that change: sent now, it would reach the cursor
  // twice (issue 17, found under PostgreSQL load). change_seq only grows, so reading it after the wires is exact.
  const later = await changedAfter(trx, built.map((r) => r.id), walk.next.seq);
  const records = later.size === 0 ? built : built.filter((r) => !later.has(r.id));
  const sent = records.map((r) => r.id);
  // The plan's counts, unless a record could not be built (then it is not sent, and not counted).
  const added = sent.length === plan.send.length ? plan.added : sent.filter((id) => !held.has(id)).length;
  await writePage(trx, ctx.write, { sent, removed: plan.remove, appliedSeq: appliedSeqOf(walk.next), positions: { from, end: positionOf(walk.next, 'end') }, reset: false, counts: { added, updated: sent.length - added } });
  return { reset: false, records, removed: plan.remove, cursor: formatCursor(walk.next), hasMore: walk.hasMore, total: null };
}

/** The offline sync, built once with its OfflineDeps (http/services.ts). */
export class SyncService {
  constructor(private readonly deps: OfflineDeps) {}

  /** The caller's offline switch, right and days for one database (404 when not a member). */
  async offlineInfo(caller: SyncCaller, dbName: string): Promise<OfflineInfo> {
    const db = this.deps.db;
    const m = await requireMember(db, caller, dbName);
    return { db: dbName, enabled: m.offlineEnabled, right: m.offlineRight, offlineDays: m.offlineDays };
  }

  /** One page of the offline sync of `dbName` for the caller's device. */
  async syncPage(caller: SyncCaller, dbName: string, req: { cursor?: string | undefined; limit?: number | undefined }): Promise<SyncResponse> {
    const deps = this.deps;
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

    const held: OfflineCopyKey = { deviceId: caller.deviceId, userId: caller.userId, dbId: st.id };
    const facts = { cursor, dbSeq, holds };

    // No change: the lookup above was the only read; the only write is a coalesced last-seen time.
    if (isNoChange(facts)) {
      if (st.last_seen_at === null || now - Number(st.last_seen_at) >= LAST_SEEN_COALESCE_MS) {
        await touchLastSeen(deps.db, held, now, LAST_SEEN_COALESCE_MS);
      }
      const instance = st.instance_id !== null && st.held_since !== null ? { id: st.instance_id, createdAt: Number(st.held_since) } : null;
      return { kind: 'changes', reset: false, records: [], removed: [], cursor: formatCursor(cursor), hasMore: false, total: null, lease: leaseFor(instance) };
    }

    // Everything else of the page, its reads and its writes, in one transaction.
    return inTransaction(deps.db, async (trx): Promise<SyncResponse> => {
      const kind = await decidePage({ ...facts, horizon: () => prunedThrough(trx, st.id) });
      const scope: SyncScope = {
        userId: caller.userId,
        user: caller.user,
        dbId: st.id,
        dbName,
        roles: await memberRoles(trx, caller.userId, st.id),
        dialect: deps.dialect,
      };
      const ctx: PageContext = { trx, write: { clock: deps.clock, key: held, dbName, user: caller.user, dialect: deps.dialect }, limit, scope };
      const page = kind.kind === 'reset' ? await resetPage(ctx, kind) : await deltaPage(ctx, kind, dbSeq);
      // The instance as written by this page (a first sync creates it), carried in the lease (12.5).
      const instance = await offlineInstance(trx, held);
      return { kind: 'changes', ...page, lease: leaseFor(instance) };
    });
  }
}
