/**
 * Release requests of sealed records. Anyone who can read a sealed record may ask; only an approver
 * listed in the seal, never the requester, approves. When approvals reach `required`, the release is
 * approved for the seal's window; status is computed with the clock: pending, approved, expired.
 */
import { randomId } from '@safehold/crypto';
import { SafeholdError, isRandomId } from '@safehold/protocol';
import type { Release } from '@safehold/protocol/api';
import type { ReleaseKind } from '../storage/schema.js';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import { inTransaction } from '../repositories/changelog.js';
import type { Conn } from '../repositories/db.js';
import { requireRight, type Actor, type DbScope } from './rights.js';
import { iso, parseIdList, userNames } from '../repositories/lookup.js';
import * as R from '../repositories/releases.js';
import { sealOf, sealsOf } from '../repositories/recordviews.js';

type ReleaseRow = R.ReleaseRow;

export function releaseStatus(r: { approved_at: number | null; expires_at: number | null }, now: number): Release['status'] {
  if (r.approved_at === null || r.expires_at === null) return 'pending';
  return now < Number(r.expires_at) ? 'approved' : 'expired';
}

/** Wire form of release rows (batched: seals, approval counts and names in three queries). */
async function toWire(db: Conn, clock: Clock, scope: DbScope, rows: readonly ReleaseRow[]): Promise<Release[]> {
  if (rows.length === 0) return [];
  const recordIds = [...new Set(rows.map((r) => r.record_id))];
  const seals = new Map(
    (await sealsOf(db, recordIds)).map((s) => [s.record_id, s]),
  );
  const counts = new Map<string, number>();
  const approvals = await R.approvalsOf(db, rows.map((r) => r.id));
  const approverIds = new Map<string, string[]>();
  for (const [rid, s] of seals) approverIds.set(rid, parseIdList(s.approvers));
  for (const a of approvals) counts.set(a.release_id, (counts.get(a.release_id) ?? 0) + 1);
  const names = await userNames(db, [...rows.map((r) => r.requester_id), ...[...approverIds.values()].flat()]);
  const now = clock.now();
  return rows.map((r) => {
    const seal = seals.get(r.record_id);
    return {
      id: r.id,
      record: r.record_id,
      db: scope.dbName,
      requester: names.get(r.requester_id) ?? 'unknown',
      reason: r.reason,
      kind: r.kind,
      approvals: counts.get(r.id) ?? 0,
      approvers: (approverIds.get(r.record_id) ?? []).map((id) => names.get(id)).filter((n): n is string => n !== undefined),
      required: seal ? Number(seal.required) : 1,
      status: releaseStatus(r, now),
      createdAt: iso(r.created_at),
      expiresAt: r.expires_at === null ? null : iso(r.expires_at),
    };
  });
}

/** Release requests, built once with their storage connection and clock (http/services.ts). */
export class ReleaseService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  /** Asks for a release of a sealed record: to read its secret (needs read), or to lift its seal (needs authorize). */
  async requestRelease(actor: Actor, scope: DbScope, recordId: string, reason: string, kind: ReleaseKind = 'read'): Promise<Release> {
    const db = this.db;
    const clock = this.clock;
    return inTransaction(db, async (trx) => {
      const { record } = await requireRight(trx, actor, scope.dbId, recordId, kind === 'unseal' ? 'authorize' : 'read');
      if (record.sealed !== 1) throw new SafeholdError('bad_request', 'the record is not sealed');
      const row: ReleaseRow = {
        id: randomId(),
        record_id: recordId,
        db_id: scope.dbId,
        requester_id: actor.userId,
        reason,
        created_at: clock.now(),
        approved_at: null,
        expires_at: null,
        cancelled: 0,
        kind,
      };
      await R.insertRelease(trx, row);
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'release_requested', target: recordId, detail: { release: row.id, kind } });
      const [w] = await toWire(trx, clock, scope, [row]);
      return w as Release;
    });
  }

  /** Approves a release: only a listed approver, never the requester (forbidden otherwise). */
  async approveRelease(actor: Actor, scope: DbScope, releaseId: string): Promise<Release> {
    const db = this.db;
    const clock = this.clock;
    const notFound = new SafeholdError('not_found', 'release request not found');
    if (typeof releaseId !== 'string' || !isRandomId(releaseId)) throw notFound;
    return inTransaction(db, async (trx) => {
      // Lock the release row first, so concurrent approvals count each other (read committed).
      if (!(await R.lockLive(trx, releaseId, scope.dbId))) throw notFound;
      const rel = await R.releaseOfLiveRecord(trx, releaseId);
      const seal = rel && (await sealOf(trx, rel.record_id));
      if (!rel || !seal) throw notFound;
      const approvers = parseIdList(seal.approvers);
      if (rel.requester_id === actor.userId) throw new SafeholdError('forbidden', 'you cannot approve your own release request');
      if (!approvers.includes(actor.userId)) throw new SafeholdError('forbidden', 'you are not an approver of this seal');
      const now = clock.now();
      if (releaseStatus(rel, now) === 'expired') throw new SafeholdError('conflict', 'this release has expired; request a new one');
      await R.addApproval(trx, releaseId, actor.userId, now);
      const counted = await R.approvalsOf(trx, [releaseId]);
      const count = counted.filter((a) => approvers.includes(a.approver_id)).length;
      let row: ReleaseRow = rel;
      if (rel.approved_at === null && count >= Number(seal.required)) {
        const expires = now + Number(seal.window_minutes) * 60_000;
        await R.approve(trx, releaseId, now, expires);
        row = { ...rel, approved_at: now, expires_at: expires };
      }
      await writeAudit(trx, clock, {
        db: scope.dbName,
        actor: actor.user,
        action: 'release_approved',
        target: rel.record_id,
        detail: { release: releaseId, kind: rel.kind, approvals: count, required: Number(seal.required) },
      });
      const [w] = await toWire(trx, clock, scope, [row]);
      return w as Release;
    });
  }

  /** The caller's releases in the database: as requester or as a listed approver (cancelled ones left out). */
  async listReleases(actor: Actor, scope: DbScope): Promise<Release[]> {
    const db = this.db;
    const clock = this.clock;
    const rows = await R.liveReleasesOf(db, scope.dbId);
    const mine = rows
      .filter((r) => r.requester_id === actor.userId || parseIdList(r.seal_approvers).includes(actor.userId))
      .map(({ seal_approvers: _ignored, ...rest }) => rest);
    return toWire(db, clock, scope, mine);
  }
}
