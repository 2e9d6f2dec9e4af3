/**
 * Retention (issue 12.11): expired sessions, failed-login rows and old audit events are pruned, at server start
 * and then daily (and by `safehold-server prune`). Each limit is in days; 0 keeps that kind for ever.
 */
import type { Kysely } from 'kysely';
import type { Tables } from '../storage/schema.js';
import type { Clock } from '../clock.js';

const DAY_MS = 24 * 60 * 60 * 1000;

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
export async function pruneRetention(db: Kysely<Tables>, clock: Clock, r: Retention): Promise<{ sessions: number; failures: number; audit: number }> {
  const now = clock.now();
  const out = { sessions: 0, failures: 0, audit: 0 };
  if (r.sessionsDays > 0) {
    const res = await db.deleteFrom('sessions').where('expires_at', '<', now - r.sessionsDays * DAY_MS).executeTakeFirst();
    out.sessions = Number(res.numDeletedRows);
  }
  if (r.failuresDays > 0) {
    const res = await db.deleteFrom('login_failures').where('window_start', '<', now - r.failuresDays * DAY_MS).executeTakeFirst();
    out.failures = Number(res.numDeletedRows);
  }
  if (r.auditDays > 0) {
    const res = await db.deleteFrom('audit').where('at', '<', now - r.auditDays * DAY_MS).executeTakeFirst();
    out.audit = Number(res.numDeletedRows);
  }
  return out;
}
