/**
 * The server's page decision (DESIGN "Sync protocol", docs/adr/0004-sync-protocol.md, docs/adr/0060-sync-core.md):
 * from the cursor, the database's change counter, whether the device holds an offline database and the
 * pruned horizon of the change log, what one page of the sync must be. Pure: the adapter reads the facts.
 */
import type { SyncCursor } from '../cursor.js';
import { planDelta, type DeltaPlan } from '../eligibility.js';

/** What one page is: nothing new, a page of the snapshot at `snapshotSeq`, or a walk of the change log. */
export type PageKind =
  | { kind: 'nochange'; seq: number }
  | { kind: 'reset'; snapshotSeq: number; after: string; total: number | null }
  | { kind: 'delta'; cursor: SyncCursor & { kind: 'delta' | 'partial' } };

/** The facts a page is decided on (the horizon is asked for only when a delta may be served). */
export interface PageFacts {
  cursor: SyncCursor;
  /** The database's change counter, read before anything else of the page. */
  dbSeq: number;
  /** The device holds an offline database of this database (the server knows it). */
  holds: boolean;
  /** The highest seq pruned from the change log (0 when nothing was). */
  horizon: () => number | Promise<number>;
}

/** Every change with seq <= this is applied by the client holding `cursor`. */
export function appliedThrough(cursor: SyncCursor & { kind: 'delta' | 'partial' }): number {
  return cursor.kind === 'delta' ? cursor.seq : cursor.seq - 1;
}

/** A delta cursor at the counter of a database the device holds: nothing to send (one lookup, no transaction). */
export function isNoChange(f: Pick<PageFacts, 'cursor' | 'dbSeq' | 'holds'>): boolean {
  return f.holds && f.cursor.kind === 'delta' && f.cursor.seq === f.dbSeq;
}

/**
 * The page decision: a cursor at the counter is a no-change sync; a start, an unknown device, a cursor
 * from the future or one older than the kept change log is a reset (restarted when its snapshot is
 * from the future); otherwise a delta from the cursor.
 */
export async function decidePage(f: PageFacts): Promise<PageKind> {
  const { cursor, dbSeq } = f;
  const fresh: PageKind = { kind: 'reset', snapshotSeq: dbSeq, after: '', total: null };
  if (!f.holds || cursor.kind === 'start') return fresh;
  if (cursor.kind === 'reset') {
    return cursor.snapshotSeq > dbSeq ? fresh : { kind: 'reset', snapshotSeq: cursor.snapshotSeq, after: cursor.after, total: cursor.total ?? null };
  }
  if (isNoChange(f)) return { kind: 'nochange', seq: dbSeq };
  const applied = appliedThrough(cursor);
  if (applied < 0 || cursor.seq > dbSeq || applied < (await f.horizon())) return fresh;
  return { kind: 'delta', cursor };
}

/** One page of a reset, from the snapshot's candidates (at most limit + 1 of them, in id order). */
export interface ResetStep {
  ids: string[];
  hasMore: boolean;
  next: SyncCursor;
  /** The cursor the server stores for the device once the page is written (null: unchanged). */
  appliedSeq: number | null;
}

/** Cuts a reset page from `candidateIds` (limit + 1 asked for: the extra one says there is more). */
export function resetStep(page: { snapshotSeq: number; total: number | null }, candidateIds: readonly string[], limit: number): ResetStep {
  const hasMore = candidateIds.length > limit;
  const ids = candidateIds.slice(0, limit);
  const last = ids[ids.length - 1];
  const next: SyncCursor =
    hasMore && last !== undefined
      ? { kind: 'reset', snapshotSeq: page.snapshotSeq, after: last, ...(page.total !== null ? { total: page.total } : {}) }
      : { kind: 'delta', seq: page.snapshotSeq };
  return { ids, hasMore, next, appliedSeq: hasMore ? null : page.snapshotSeq };
}

/** A reset sends every id of its page: the plan (and its added/updated counts) from what the device held. */
export function planReset(ids: readonly string[], held: ReadonlySet<string>): DeltaPlan {
  return planDelta(ids.map((id) => ({ id, eligible: true, held: held.has(id) })));
}

/** The seq the server stores as the device's cursor after a delta page ending at `next`. */
export function appliedSeqOf(next: SyncCursor & { kind: 'delta' | 'partial' }): number {
  return appliedThrough(next);
}

/**
 * Where a cursor stands in the change log, as one integer ordered like the cursors themselves:
 * "d.<a>" (every change <= a applied) is 2(a + 1); "p.<s>.<id>" (inside change s) is 2s + 1 as the end
 * of a page, and 2s as the start of a request (ids inside one change are not compared: a request
 * inside the same change counts as before it, which at worst names an id twice).
 */
export function positionOf(cursor: SyncCursor & { kind: 'delta' | 'partial' }, as: 'request' | 'end'): number {
  if (cursor.kind === 'delta') return 2 * (cursor.seq + 1);
  return as === 'end' ? 2 * cursor.seq + 1 : 2 * cursor.seq;
}

/**
 * An id removed by a page that ended at position `gonePos` may not have reached the device (the answer
 * was lost after the server wrote it) while a request starts before that end: such an id is named as
 * removed again. Without this, the retried page finds the id no longer held and the device keeps a
 * record it may no longer hold (E4). Once a request starts at or after the end, the removal arrived.
 */
export function mayStillHold(gonePos: number | undefined, requestPos: number): boolean {
  return gonePos !== undefined && gonePos > requestPos;
}
