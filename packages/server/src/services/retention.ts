/**
 * Retention (issue 12.11): expired sessions, failed-login rows and old audit events are pruned, at server start
 * and then daily (and by `safehold-server prune`). Each limit is in days; 0 keeps that kind for ever.
 * The sync change log is pruned by the same maintenance round (pruneChanges), on its own fixed window.
 */
import { DAY_MS } from '@safehold/domain';
import type { Clock } from '../clock.js';
import { inTransaction, type Conn } from '../repositories/db.js';
import { deleteSessionsExpiredBefore } from '../repositories/accounts.js';
import { deleteFailuresBefore } from '../repositories/loginfailures.js';
import { deleteAuditBefore } from '../repositories/audit.js';
import { databaseIds } from '../repositories/databases.js';
import { deleteChangesThrough, lastChangeBefore, prunedHorizon, setPrunedHorizon } from '../repositories/changelog.js';

/** Changes older than this may be pruned; a cursor older than the pruned part gets a reset. */
export const KEEP_CHANGES_DAYS = 90;

export interface Retention {
  /** Days an expired (or ended-by-expiry) session row is kept after its expiry. */
  sessionsDays: number;
  /** Days a failed-login counter row is kept after its window started. */
  failuresDays: number;
  /** Days an audit event is kept. */
  auditDays: number;
}

/** Documented defaults (README, docs/spec.md). */
export const DEFAULT_RETENTION: Retention = { sessionsDays: 7, failuresDays: 1, auditDays: 365 };

/** Deletes what is past its retention; returns the counts. */
export async function pruneRetention(db: Conn, clock: Clock, r: Retention): Promise<{ sessions: number; failures: number; audit: number }> {
  const now = clock.now();
  const out = { sessions: 0, failures: 0, audit: 0 };
  if (r.sessionsDays > 0) {
    out.sessions = await deleteSessionsExpiredBefore(db, now - r.sessionsDays * DAY_MS);
  }
  if (r.failuresDays > 0) {
    out.failures = await deleteFailuresBefore(db, now - r.failuresDays * DAY_MS);
  }
  if (r.auditDays > 0) {
    out.audit = await deleteAuditBefore(db, now - r.auditDays * DAY_MS);
  }
  return out;
}

/** The highest seq pruned from the database's change log (0 when nothing was pruned). */
export async function prunedThrough(db: Conn, dbId: string): Promise<number> {
  return prunedHorizon(db, dbId);
}


/**
 * Prunes change rows older than `keepDays` days from every database and records, per database, the
 * highest seq pruned: a delta cursor below it can no longer be served and gets a reset. Returns the
 * number of rows deleted. Safe to run from any process at any time.
 */
export async function pruneChanges(db: Conn, clock: Clock, keepDays = KEEP_CHANGES_DAYS): Promise<number> {
  const cutoff = clock.now() - keepDays * DAY_MS;
  let deleted = 0;
  for (const dbId of await databaseIds(db)) {
    const through = await lastChangeBefore(db, dbId, cutoff);
    if (through === null) continue;
    deleted += await inTransaction(db, async (trx) => {
      const prev = await prunedHorizon(trx, dbId);
      await setPrunedHorizon(trx, dbId, Math.max(prev, through));
      return deleteChangesThrough(trx, dbId, through);
    });
  }
  return deleted;
}
