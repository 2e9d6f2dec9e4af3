/**
 * Records: list, create, get, update, soft delete, history, masking. Ciphertext is opaque here.
 * Writes take the database's change counter first (repositories/changelog.ts), so the rule checks that follow
 * (existence, base revision) run serialised per database and cannot race.
 */
import { SafeholdError } from '@safehold/protocol';
import type { CreateRecordRequest, History, RecordWire, UpdateRecordRequest } from '@safehold/protocol/api';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import { inTransaction, logChange, nextSeq } from '../repositories/changelog.js';
import type { Conn } from '../repositories/db.js';
import { requireRight, type Actor, type DbScope } from './rights.js';
import { activeReleases, loadRecordWires } from './recordwire.js';
import { isUniqueViolation, iso, userNames } from '../repositories/lookup.js';
import { insertRecordRows, markDeleted, recordPlace, revisionUsed, revisionsOf, setMasked, writeRevision } from '../repositories/records.js';

/** The parsed create body (zod output: `masked` defaulted). */
export type CreateRecordInput = Omit<CreateRecordRequest, 'masked'> & { masked: boolean };

export async function wireOf(db: Conn, clock: Clock, actor: Actor, scope: DbScope, id: string): Promise<RecordWire> {
  const [w] = await loadRecordWires(db, clock, actor, scope, { ids: [id], withSecret: true });
  if (!w) throw new SafeholdError('not_found', 'record not found');
  return w;
}

/** True when the record is sealed and the actor holds no active release on it. */
export async function sealedFor(db: Conn, clock: Clock, actor: Actor, scope: DbScope, record: { id: string; sealed: number }) {
  if (record.sealed !== 1) return false;
  return !(await activeReleases(db, clock, actor.userId, scope.dbId, [record.id])).has(record.id);
}

/** Inserts a new record, its first revision and the creator's key row (inside the caller's transaction, after nextSeq). */
export async function insertRecord(trx: Conn, clock: Clock, actor: Actor, scope: DbScope, req: CreateRecordInput, seq: number): Promise<void> {
  const now = clock.now();
  await insertRecordRows(trx, {
    record: {
      id: req.id,
      db_id: scope.dbId,
      revision: req.revision,
      creator_id: actor.userId,
      created_at: now,
      updated_at: now,
      updated_by: actor.userId,
      masked: req.masked ? 1 : 0,
      sealed: 0,
      header: req.header,
      secret: req.secret,
      deleted_at: null,
      change_seq: seq,
    },
    keys: { header: req.keys.header, secret: req.keys.secret },
  });
}

/** Writes a new current revision (records row + history row). The caller checked rights and base revision. */
export async function saveRevision(
  trx: Conn,
  clock: Clock,
  actor: Actor,
  recordId: string,
  req: { baseRevision: string; revision: string; header: string; secret: string },
  extra: { sealed?: number } = {},
): Promise<void> {
  if (await revisionUsed(trx, recordId, req.revision)) throw new SafeholdError('conflict', 'this revision id is already used by the record');
  await writeRevision(trx, recordId, { ...req, at: clock.now(), by: actor.userId }, extra);
}

/** The record endpoints' rules, built once with their storage connection and clock (http/services.ts). */
export class RecordService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  /** Every record the caller can read, headers only (secret null). */
  async listRecords(actor: Actor, scope: DbScope): Promise<RecordWire[]> {
    const db = this.db;
    const clock = this.clock;
    return loadRecordWires(db, clock, actor, scope, { withSecret: false });
  }

  /** One record with its secret (withheld while sealed without a release). */
  async getRecord(actor: Actor, scope: DbScope, id: string): Promise<RecordWire> {
    const db = this.db;
    const clock = this.clock;
    await requireRight(db, actor, scope.dbId, id, 'read');
    return wireOf(db, clock, actor, scope, id);
  }

  /** Creates a record with the client's id and revision; the creator's key row comes from `keys`. */
  async createRecord(actor: Actor, scope: DbScope, req: CreateRecordInput): Promise<RecordWire> {
    const db = this.db;
    const clock = this.clock;
    try {
      await inTransaction(db, async (trx) => {
        const seq = await nextSeq(trx, scope.dbId);
        const exists = await recordPlace(trx, req.id);
        // An id of another database is answered as a not-found id (12.11): a 409 would tell that it exists there.
        if (exists && exists.db_id !== scope.dbId) throw new SafeholdError('not_found', 'record not found');
        if (exists) throw new SafeholdError('conflict', 'a record with this id already exists');
        await insertRecord(trx, clock, actor, scope, req, seq);
        await logChange(trx, clock, scope.dbId, seq, { kind: 'record_created', recordId: req.id });
        await writeAudit(trx, clock, {
          db: scope.dbName,
          actor: actor.user,
          action: 'record_created',
          target: req.id,
          detail: { masked: req.masked },
        });
      });
    } catch (e) {
      // Same id created concurrently in another database: the primary key decides.
      if (isUniqueViolation(e)) throw new SafeholdError('conflict', 'a record with this id already exists');
      throw e;
    }
    // Built after commit: the counter lock is held only for the write itself.
    return wireOf(db, clock, actor, scope, req.id);
  }

  /** Saves a new revision; `baseRevision` must be the current one (409 stale_revision otherwise). */
  async updateRecord(actor: Actor, scope: DbScope, id: string, req: UpdateRecordRequest): Promise<RecordWire> {
    const db = this.db;
    const clock = this.clock;
    try {
      await inTransaction(db, async (trx) => {
        const seq = await nextSeq(trx, scope.dbId);
        const { record } = await requireRight(trx, actor, scope.dbId, id, 'write');
        if (await sealedFor(trx, clock, actor, scope, record)) {
          throw new SafeholdError('sealed', 'the record is sealed: editing needs an approved release');
        }
        if (record.revision !== req.baseRevision) {
          throw new SafeholdError('stale_revision', 'the record changed since your copy (stale base revision)', {
            current: record.revision,
          });
        }
        await saveRevision(trx, clock, actor, record.id, req);
        await logChange(trx, clock, scope.dbId, seq, { kind: 'record_updated', recordId: id });
        await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'record_updated', target: id });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SafeholdError('conflict', 'this revision id is already used by the record');
      throw e;
    }
    return wireOf(db, clock, actor, scope, id);
  }

  /** Soft delete (deleted_at), so that sync can report the removal. Needs the delete right. */
  async deleteRecord(actor: Actor, scope: DbScope, id: string): Promise<void> {
    const db = this.db;
    const clock = this.clock;
    await inTransaction(db, async (trx) => {
      const seq = await nextSeq(trx, scope.dbId);
      await requireRight(trx, actor, scope.dbId, id, 'delete');
      await markDeleted(trx, id, clock.now());
      await logChange(trx, clock, scope.dbId, seq, { kind: 'record_deleted', recordId: id });
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'record_deleted', target: id });
    });
  }

  /** Saved revisions, newest first (following the base-revision chain); secrets withheld while sealed. */
  async recordHistory(actor: Actor, scope: DbScope, id: string): Promise<History> {
    const db = this.db;
    const clock = this.clock;
    const { record } = await requireRight(db, actor, scope.dbId, id, 'read');
    const withheld = await sealedFor(db, clock, actor, scope, record);
    const revs = await revisionsOf(db, id);
    const byId = new Map(revs.map((r) => [r.revision, r]));
    const ordered: typeof revs = [];
    const seen = new Set<string>();
    for (let cur = byId.get(record.revision); cur && !seen.has(cur.revision); cur = cur.base_revision ? byId.get(cur.base_revision) : undefined) {
      seen.add(cur.revision);
      ordered.push(cur);
    }
    // Anything off the chain (should not happen) still shows, newest first.
    ordered.push(...revs.filter((r) => !seen.has(r.revision)).sort((a, b) => b.updated_at - a.updated_at));
    const names = await userNames(db, ordered.map((r) => r.updated_by));
    return {
      record: id,
      revisions: ordered.map((r) => ({
        revision: r.revision,
        updatedAt: iso(r.updated_at),
        updatedBy: names.get(r.updated_by) ?? 'unknown',
        header: r.header,
        secret: withheld ? null : r.secret,
        ...(r.conflict === 1 ? { conflict: true } : {}),
      })),
    };
  }

  /** Sets the masking flag (authorize). A no-op when unchanged. */
  async setMask(actor: Actor, scope: DbScope, id: string, masked: boolean): Promise<RecordWire> {
    const db = this.db;
    const clock = this.clock;
    await inTransaction(db, async (trx) => {
      const { record } = await requireRight(trx, actor, scope.dbId, id, 'authorize');
      if ((record.masked === 1) === masked) return;
      const seq = await nextSeq(trx, scope.dbId);
      await setMasked(trx, id, masked);
      await logChange(trx, clock, scope.dbId, seq, { kind: 'mask_changed', recordId: id });
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: masked ? 'mask' : 'unmask', target: id });
    });
    return wireOf(db, clock, actor, scope, id);
  }
}
