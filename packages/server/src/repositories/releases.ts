/** Releases of sealed records (requests, approvals, cancellations): their queries. */
import type { Clock } from '../clock.js';
import type { Conn } from './db.js';

/** Record ids (of `dbId`) on which `userId` holds an approved, unexpired release now. */
export async function activeReleases(
  db: Conn,
  clock: Clock,
  userId: string,
  dbId: string,
  ids?: readonly string[],
): Promise<Set<string>> {
  if (ids && ids.length === 0) return new Set();
  let q = db
    .selectFrom('releases')
    .select('record_id')
    .where('db_id', '=', dbId)
    .where('requester_id', '=', userId)
    .where('kind', '=', 'read')
    .where('cancelled', '=', 0)
    .where('approved_at', 'is not', null)
    .where('expires_at', '>', clock.now());
  if (ids) q = q.where('record_id', 'in', [...ids]);
  return new Set((await q.execute()).map((r) => r.record_id));
}

