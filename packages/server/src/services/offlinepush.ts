/**
 * Offline edits (E5), server side: the queued changes of an offline database pushed in order. Each
 * change is decided by `decidePush` (domain) on the current state, applied in its own transaction
 * together with its operation id and outcome (`offline_ops`), so a push whose answer was lost is applied
 * once when sent again. Ciphertext stays opaque; the audit holds ids and counts, never contents.
 */
import { decidePush, type PushDecision, type PushFacts } from '@safehold/domain';
import { SafeholdError } from '@safehold/protocol';
import type { PushOp, PushResult } from '@safehold/protocol/api';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import { inTransaction, logChange, nextSeq } from '../repositories/changelog.js';
import type { Conn } from '../repositories/db.js';
import { rightSet, type Actor, type DbScope } from './rights.js';
import { accessOf } from '../repositories/access.js';
import { insertRecord, saveRevision, sealedFor, wireOf } from './records.js';
import { isUniqueViolation } from '../repositories/lookup.js';
import { insertConflictRevision as insertConflictRow, markDeleted, recordById, revisionUsed } from '../repositories/records.js';
import { recordOp, recordedOp } from '../repositories/offline.js';

type Settled = Omit<PushResult, 'current'>;

async function factsOf(trx: Conn, clock: Clock, actor: Actor, scope: DbScope, id: string): Promise<PushFacts> {
  const rec = await recordById(trx, id);
  const none: PushFacts = { exists: false, deleted: false, revision: null, sealed: false, canWrite: false, canDelete: false, createdByCaller: false, takenElsewhere: false };
  if (!rec) return none;
  if (rec.db_id !== scope.dbId) return { ...none, takenElsewhere: true };
  // The resolver reads grants by record id, so a deleted record's grants count as well (a push may restore it).
  const rights = rightSet((await accessOf(trx, { userId: actor.userId, dbId: scope.dbId }, [rec])).get(id)?.mask ?? 0);
  if (!rights.has('read')) return { ...none, takenElsewhere: true };
  return {
    exists: true,
    deleted: rec.deleted_at !== null,
    revision: rec.revision,
    sealed: await sealedFor(trx, clock, actor, scope, rec),
    canWrite: rights.has('write'),
    canDelete: rights.has('delete'),
    createdByCaller: rec.creator_id === actor.userId,
    takenElsewhere: false,
  };
}

function need<T>(v: T | null, what: string): T {
  if (v === null) throw new SafeholdError('bad_request', `an offline ${what} needs its fields`);
  return v;
}

/** Applies one decided change inside its transaction; returns the settled outcome (stale: null). */
async function applyDecision(trx: Conn, clock: Clock, actor: Actor, scope: DbScope, op: PushOp, d: PushDecision, seq: number): Promise<Settled | null> {
  const base = { opId: op.opId, reason: null, revision: null };
  const audit = (action: string, detail: Record<string, unknown>) =>
    writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action, target: op.record, detail: { op: op.opId, kind: op.kind, ...detail } });
  switch (d.do) {
    case 'stale':
      return null;
    case 'already':
      return { ...base, status: 'applied', revision: op.revision };
    case 'rejected':
      await audit('offline_rejected', { reason: d.reason });
      return { ...base, status: 'rejected', reason: d.reason };
    case 'deleted': {
      // Keep the offline version beside the deleted record's history, so it stays restorable there too.
      if (op.revision && op.header && op.secret) await insertConflictRevision(trx, clock, actor, op.record, op.baseRevision, { revision: op.revision, header: op.header, secret: op.secret });
      await audit('offline_conflict', { conflict: 'deleted_on_server' });
      return { ...base, status: 'deleted', reason: 'the record was deleted on the server' };
    }
    case 'delete_conflict':
      await audit('offline_conflict', { conflict: 'edited_on_server' });
      return { ...base, status: 'conflict', reason: 'the record was edited on the server: the offline delete was not applied' };
    case 'create': {
      const keys = need(op.keys, 'create');
      await insertRecord(trx, clock, actor, scope, { id: op.record, revision: need(op.revision, 'create'), header: need(op.header, 'create'), secret: need(op.secret, 'create'), keys, masked: op.masked }, seq);
      await logChange(trx, clock, scope.dbId, seq, { kind: 'record_created', recordId: op.record });
      await audit('offline_edit', {});
      return { ...base, status: 'applied', revision: op.revision };
    }
    case 'update': {
      const revision = need(op.revision, 'update');
      // saveRevision checks first (a used revision id throws before anything is written): the batch stays clean.
      await saveRevision(trx, clock, actor, op.record, { baseRevision: need(op.baseRevision, 'update'), revision, header: need(op.header, 'update'), secret: need(op.secret, 'update') });
      if (op.conflict) await insertConflictRevision(trx, clock, actor, op.record, null, op.conflict);
      await logChange(trx, clock, scope.dbId, seq, { kind: 'record_updated', recordId: op.record });
      await audit('offline_edit', {});
      if (op.conflict) {
        await audit('offline_conflict', { conflict: 'same_field', fields: op.conflictFields });
        return { ...base, status: 'conflict', reason: `${op.conflictFields} field(s) changed on both sides: the server's value kept, the offline one in history`, revision };
      }
      return { ...base, status: 'applied', revision };
    }
    case 'delete': {
      await markDeleted(trx, op.record, clock.now());
      await logChange(trx, clock, scope.dbId, seq, { kind: 'record_deleted', recordId: op.record });
      await audit('offline_edit', {});
      return { ...base, status: 'applied' };
    }
  }
}

/** The losing offline version of a conflict, as a history revision marked `conflict` (never current). */
async function insertConflictRevision(trx: Conn, clock: Clock, actor: Actor, recordId: string, baseRevision: string | null, v: { revision: string; header: string; secret: string }): Promise<void> {
  if (await revisionUsed(trx, recordId, v.revision)) return;
  await insertConflictRow(trx, recordId, { baseRevision, revision: v.revision, header: v.header, secret: v.secret, at: clock.now(), by: actor.userId });
}

/** One change inside the batch's transaction: its recorded outcome when the operation id was seen, else decided and applied now; null when stale. */
async function settleOne(trx: Conn, clock: Clock, actor: Actor, scope: DbScope, op: PushOp): Promise<Settled | null> {
  // The counter first: it serialises this change with every other writer of the database.
  const seq = await nextSeq(trx, scope.dbId);
  const seen = await recordedOp(trx, actor.userId, op.opId);
  if (seen) {
    // A replay (the answer to an earlier push was lost): nothing applied again.
    await logChange(trx, clock, scope.dbId, seq, { kind: 'record_updated', recordId: op.record });
    return { opId: op.opId, status: seen.status as PushResult['status'], reason: seen.reason, revision: seen.revision };
  }
  const d = decidePush(op, await factsOf(trx, clock, actor, scope, op.record));
  const out = await applyDecision(trx, clock, actor, scope, op, d, seq);
  // The seq taken stays gap-free: an outcome that wrote no record still leaves its change row.
  if (!out || !['create', 'update', 'delete'].includes(d.do)) await logChange(trx, clock, scope.dbId, seq, { kind: 'record_updated', recordId: op.record });
  if (out) {
    await recordOp(trx, { user_id: actor.userId, op_id: op.opId, db_id: scope.dbId, record_id: op.record, status: out.status, reason: out.reason, revision: out.revision, at: clock.now() });
  }
  return out;
}

/** Settles ops in order in one transaction, up to and including the first stale one (null). */
async function settleBatch(db: Conn, clock: Clock, actor: Actor, scope: DbScope, ops: PushOp[]): Promise<Array<Settled | null>> {
  return inTransaction(db, async (trx) => {
    const out: Array<Settled | null> = [];
    for (const op of ops) {
      const s = await settleOne(trx, clock, actor, scope, op);
      out.push(s);
      if (!s) break;
    }
    return out;
  });
}

/** Offline pushes (E5), built once with their storage connection and clock (http/services.ts). */
export class OfflinePushService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  /**
   * Pushes queued offline changes in order; stops after the first `stale` (the client merges it and sends
   * the rest again). The batch is one transaction (one commit for up to 100 changes); should an id race
   * with another writer (a unique violation), the batch is redone one change per transaction, the loser
   * of the race rejected.
   */
  async pushOfflineOps(actor: Actor, scope: DbScope, ops: PushOp[]): Promise<PushResult[]> {
    const db = this.db;
    const clock = this.clock;
    let settled: Array<Settled | null>;
    try {
      settled = await settleBatch(db, clock, actor, scope, ops);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      settled = [];
      for (const op of ops) {
        const s = await settleBatch(db, clock, actor, scope, [op]).then(
          (r) => r[0] ?? null,
          (err: unknown): Settled => {
            if (!isUniqueViolation(err)) throw err;
            return { opId: op.opId, status: 'rejected', reason: 'a record or revision with this id already exists', revision: null };
          },
        );
        settled.push(s);
        if (!s) break;
      }
    }
    const out: PushResult[] = [];
    for (const [i, s] of settled.entries()) {
      const op = ops[i] as PushOp;
      if (s) {
        const current = s.status === 'conflict' && op.kind === 'delete' ? await wireOf(db, clock, actor, scope, op.record).catch(() => null) : null;
        out.push({ ...s, current });
      } else {
        out.push({ opId: op.opId, status: 'stale', reason: 'the record changed on the server since the offline edit', revision: null, current: await wireOf(db, clock, actor, scope, op.record) });
      }
    }
    return out;
  }
}
