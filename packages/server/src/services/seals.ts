/**
 * Seals (authorize). Sealing rotates the secret key: the client sends the secret part re-encrypted
 * under a fresh key as a new revision, plus that key wrapped for every current key holder; holders
 * not listed lose their secret key. Sealing again, like any edit of a sealed record, needs an active
 * release. Lifting a seal needs an approved release of kind "unseal" (the seal's quorum) and cancels its releases.
 */
import { SafeholdError } from '@safehold/protocol';
import type { RecordWire, SealRequest } from '@safehold/protocol/api';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import { inTransaction, logChange, nextSeq } from '../repositories/changelog.js';
import type { Conn } from '../repositories/db.js';
import { requireRight, type Actor, type DbScope } from './rights.js';
import { saveRevision, sealedFor, wireOf } from './records.js';
import { findRole, memberIds } from '../repositories/lookup.js';
import * as S from '../repositories/seals.js';
import { setSealed } from '../repositories/records.js';
import { liveUserByName } from '../repositories/accounts.js';
import { approvedRelease, cancelReleasesOf } from '../repositories/releases.js';

/** Thrown to roll a transaction back when nothing needs to change. */
class NoChange extends Error {
  constructor() {
    super('no change');
  }
}

/** Sealing, built once with its storage connection and clock (http/services.ts). */
export class SealService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  /** Seals (or re-seals) a record. */
  async sealRecord(actor: Actor, scope: DbScope, id: string, req: SealRequest): Promise<RecordWire> {
    const db = this.db;
    const clock = this.clock;
    await inTransaction(db, async (trx) => {
      const seq = await nextSeq(trx, scope.dbId);
      const { record } = await requireRight(trx, actor, scope.dbId, id, 'authorize');
      if (await sealedFor(trx, clock, actor, scope, record)) {
        throw new SafeholdError('sealed', 'the record is sealed: sealing it again needs an approved release');
      }
      const approverNames = [...new Set(req.approvers)];
      const approverIds = await memberIds(trx, scope.dbId, approverNames);
      const missing = approverNames.find((n) => !approverIds.has(n));
      if (missing) throw new SafeholdError('not_found', `approver ${missing} is not a member of this database`);
      if (req.required > approverNames.length) {
        throw new SafeholdError('bad_request', 'required approvals exceed the number of approvers');
      }
      if (record.revision !== req.baseRevision) {
        throw new SafeholdError('stale_revision', 'the record changed since your copy (stale base revision)', { current: record.revision });
      }

      // The new secret key per holder; every other key row loses its secret key.
      const keyRows = await S.keyHoldersOf(trx, id);
      const present = new Set(keyRows.map((k) => `${k.holder_kind}:${k.holder_id}`));
      const newKeys = new Map<string, { kind: 'user' | 'role'; id: string; secret: string }>();
      for (const sk of req.secretKeys) {
        let holderId: string | undefined;
        if (sk.holder.kind === 'user') {
          const u = await liveUserByName(trx, sk.holder.user);
          holderId = u?.id;
        } else {
          holderId = (await findRole(trx, scope.dbId, sk.holder.role))?.id;
        }
        const label = sk.holder.kind === 'user' ? `user ${sk.holder.user}` : `role ${sk.holder.role}`;
        if (!holderId || !present.has(`${sk.holder.kind}:${holderId}`)) {
          throw new SafeholdError('bad_request', `${label} holds no key for this record`);
        }
        newKeys.set(`${sk.holder.kind}:${holderId}`, { kind: sk.holder.kind, id: holderId, secret: sk.secret });
      }

      await saveRevision(trx, clock, actor, id, req, { sealed: 1 });
      await S.rekeySecret(trx, id, [...newKeys.values()]);
      await S.replaceSeal(trx, {
        record_id: id,
        approvers: JSON.stringify(approverNames.map((n) => approverIds.get(n) as string)),
        required: req.required,
        window_minutes: req.windowMinutes,
        created_at: clock.now(),
        created_by: actor.userId,
      });
      await cancelReleasesOf(trx, id);
      await logChange(trx, clock, scope.dbId, seq, { kind: 'seal_set', recordId: id });
      await writeAudit(trx, clock, {
        db: scope.dbName,
        actor: actor.user,
        action: 'seal',
        target: id,
        detail: { approvers: approverNames, required: req.required, windowMinutes: req.windowMinutes, holders: newKeys.size },
      });
    });
    return wireOf(db, clock, actor, scope, id);
  }

  /**
   * Lifts the seal and cancels its releases; a no-op on an unsealed record. Needs authorize AND the
   * seal's own quorum (12.1): an approved, unexpired release of kind "unseal" that the caller asked for.
   * Otherwise a lone authorize holder could read, by lifting the seal, what needed N of M approvals; the
   * refusal is audited ('unseal_refused').
   */
  async unsealRecord(actor: Actor, scope: DbScope, id: string): Promise<RecordWire> {
    const db = this.db;
    const clock = this.clock;
    let refused = false;
    await inTransaction(db, async (trx) => {
      const seq = await nextSeq(trx, scope.dbId);
      const { record } = await requireRight(trx, actor, scope.dbId, id, 'authorize');
      if (record.sealed !== 1) throw new NoChange();
      const release = await approvedRelease(trx, { recordId: id, requesterId: actor.userId, kind: 'unseal', now: clock.now() });
      if (!release) {
        refused = true;
        throw new SafeholdError(
          'forbidden',
          'lifting this seal needs an approved unseal release: ask with `safehold release request ID --kind unseal`',
          { reason: 'unseal_needs_release' },
        );
      }
      await setSealed(trx, id, false);
      await S.deleteSeal(trx, id);
      await cancelReleasesOf(trx, id);
      await logChange(trx, clock, scope.dbId, seq, { kind: 'seal_lifted', recordId: id });
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'unseal', target: id, detail: { release: release.id } });
    }).catch(async (e: unknown) => {
      // Rolled back, so that the counter keeps no gap for a no-op or a refusal; the refusal is audited on its own.
      if (e instanceof NoChange) return;
      if (refused) await writeAudit(db, clock, { db: scope.dbName, actor: actor.user, action: 'unseal_refused', target: id, detail: { reason: 'no_approved_unseal_release' } });
      throw e;
    });
    return wireOf(db, clock, actor, scope, id);
  }
}
