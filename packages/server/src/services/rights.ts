/**
 * Record rights, the rule checks. The rule itself (creator holds every right, else the union of the
 * direct grant and the grants to the caller's roles) lives in ONE resolver, repositories/access.ts.
 * EVERY rule check goes through `requireRight`, which never leaks existence: a record the caller cannot
 * read, that does not exist, is deleted, lives in another database or has a malformed id answers
 * not_found; readable but lacking the right, forbidden.
 */
import { SafeholdError, isRandomId } from '@safehold/protocol';
import { RIGHTS, type Right } from '@safehold/protocol/api';
import { ALL_RIGHTS_MASK, maskHas, rightsOfMask } from '@safehold/domain';
import type { Caller, DbScope } from '../caller.js';
import type { Conn } from '../repositories/db.js';
import { accessOf, rightsFor } from '../repositories/access.js';
import { liveRecord, liveRecordAnywhere, type RecordRow } from '../repositories/records.js';

export type { DbScope };
/** What the rights rules read of the caller. */
export type Actor = Pick<Caller, 'userId' | 'user'>;

export type { RecordRow };

export const ALL_RIGHTS: readonly Right[] = RIGHTS;

/** Canonical wire form: RIGHTS order, no duplicates. */
export function sortRights(rights: Iterable<Right>): Right[] {
  const set = new Set(rights);
  return RIGHTS.filter((r) => set.has(r));
}

/** A mask as the Set the rule checks test. */
export function rightSet(mask: number): Set<Right> {
  return new Set(rightsOfMask(mask));
}

/**
 * Effective rights of a user on every live record of a database they hold any right on (or on
 * `recordIds` only). A record absent from the map: no rights.
 */
export async function effectiveRightsBatch(
  db: Conn,
  userId: string,
  dbId: string,
  recordIds?: readonly string[],
): Promise<Map<string, Set<Right>>> {
  const access = await rightsFor(db, { userId, dbId }, recordIds ?? 'database');
  return new Map([...access].map(([id, a]) => [id, rightSet(a.mask)]));
}

/** Effective rights of a user on one record (empty when none, deleted, unknown or malformed). */
export async function effectiveRights(db: Conn, userId: string, recordId: string): Promise<Set<Right>> {
  if (!isRandomId(recordId)) return new Set();
  const rec = await liveRecordAnywhere(db, recordId);
  if (!rec) return new Set();
  return rightSet((await accessOf(db, { userId, dbId: rec.db_id }, [rec])).get(recordId)?.mask ?? 0);
}

/**
 * THE right check. Returns the live record row and the caller's effective rights.
 * not_found when the caller cannot read it (or it does not exist, is deleted, is in another database,
 * or the id is malformed); forbidden when readable but `right` is missing.
 */
export async function requireRight(
  db: Conn,
  actor: Actor,
  dbId: string,
  recordId: string,
  right: Right,
): Promise<{ record: RecordRow; rights: Set<Right> }> {
  const notFound = new SafeholdError('not_found', 'record not found');
  if (typeof recordId !== 'string' || !isRandomId(recordId)) throw notFound;
  const record = await liveRecord(db, dbId, recordId);
  if (!record) throw notFound;
  const mask =
    record.creator_id === actor.userId ? ALL_RIGHTS_MASK : ((await accessOf(db, { userId: actor.userId, dbId }, [record])).get(recordId)?.mask ?? 0);
  if (!maskHas(mask, 'read')) throw notFound;
  if (!maskHas(mask, right)) throw new SafeholdError('forbidden', `you lack the ${right} right on this record`);
  return { record, rights: rightSet(mask) };
}
