/**
 * Retention (issue 12.11): expired sessions, failed-login rows and old audit events are pruned, at server start
 * and then daily (and by `safehold-server prune`). Each limit is in days; 0 keeps that kind for ever.
 * The sync change log is pruned by the same maintenance round (pruneChanges), on its own fixed window.
 */
import type { Kysely } from 'kysely';
import { DAY_MS } from '@safehold/domain';
import type { Tables } from '../storage/schema.js';
import type { Clock } from '../clock.js';
import type { Conn } from '../repositories/db.js';

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

const horizonKey = (dbId: string) => `changes_pruned_through:${dbId}`;

/** The highest seq pruned from the database's change log (0 when nothing was pruned). */
export async function prunedThrough(db: Conn, dbId: string): Promise<number> {
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
