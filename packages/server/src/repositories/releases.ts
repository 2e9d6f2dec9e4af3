/** Releases of sealed records (requests, approvals, cancellations): their queries. */
import type { Selectable } from 'kysely';
import type { ReleasesTable } from '../storage/schema.js';
import type { Clock } from '../clock.js';
import type { Conn } from './db.js';

export type ReleaseRow = Selectable<ReleasesTable>;

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


/** Cancels every live release of the record. */
export async function cancelReleasesOf(trx: Conn, recordId: string): Promise<void> {
  await trx.updateTable('releases').set({ cancelled: 1 }).where('record_id', '=', recordId).where('cancelled', '=', 0).execute();
}

/** An approved, unexpired, live release of that kind that the requester asked for on the record. */
export async function approvedRelease(db: Conn, q: { recordId: string; requesterId: string; kind: 'read' | 'unseal'; now: number }) {
  return db
    .selectFrom('releases')
    .select('id')
    .where('record_id', '=', q.recordId)
    .where('requester_id', '=', q.requesterId)
    .where('kind', '=', q.kind)
    .where('cancelled', '=', 0)
    .where('approved_at', 'is not', null)
    .where('expires_at', '>', q.now)
    .executeTakeFirst();
}

export async function insertRelease(trx: Conn, row: ReleaseRow): Promise<void> {
  await trx.insertInto('releases').values(row).execute();
}

/** Who approved which of `releaseIds`. */
export async function approvalsOf(db: Conn, releaseIds: readonly string[]) {
  return db.selectFrom('release_approvals').select(['release_id', 'approver_id']).where('release_id', 'in', [...releaseIds]).execute();
}

/** Locks the live release row of the database (a no-op update, so concurrent approvals count each other); false when none. */
export async function lockLive(trx: Conn, releaseId: string, dbId: string): Promise<boolean> {
  const locked = await trx
    .updateTable('releases')
    .set((eb) => ({ cancelled: eb.ref('cancelled') }))
    .where('id', '=', releaseId)
    .where('db_id', '=', dbId)
    .where('cancelled', '=', 0)
    .executeTakeFirst();
  return Number(locked.numUpdatedRows) > 0;
}

/** The release, when its record is live. */
export async function releaseOfLiveRecord(db: Conn, releaseId: string): Promise<ReleaseRow | undefined> {
  return db
    .selectFrom('releases')
    .innerJoin('records', 'records.id', 'releases.record_id')
    .selectAll('releases')
    .where('releases.id', '=', releaseId)
    .where('records.deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function addApproval(trx: Conn, releaseId: string, approverId: string, at: number): Promise<void> {
  await trx
    .insertInto('release_approvals')
    .values({ release_id: releaseId, approver_id: approverId, at })
    .onConflict((oc) => oc.columns(['release_id', 'approver_id']).doNothing())
    .execute();
}

export async function approve(trx: Conn, releaseId: string, at: number, expiresAt: number): Promise<void> {
  await trx.updateTable('releases').set({ approved_at: at, expires_at: expiresAt }).where('id', '=', releaseId).execute();
}

/** The database's live releases of live sealed records with the seal's approvers, newest first. */
export async function liveReleasesOf(db: Conn, dbId: string) {
  return db
    .selectFrom('releases')
    .innerJoin('records', 'records.id', 'releases.record_id')
    .innerJoin('seals', 'seals.record_id', 'releases.record_id')
    .selectAll('releases')
    .select('seals.approvers as seal_approvers')
    .where('releases.db_id', '=', dbId)
    .where('releases.cancelled', '=', 0)
    .where('records.deleted_at', 'is', null)
    .orderBy('releases.created_at', 'desc')
    .orderBy('releases.id')
    .execute();
}
