/**
 * The delta walk of one page over an injected change reader (no SQL here): the changes after the
 * cursor in seq order, each naming the records it touched, until the page is full. A role-membership
 * change of the caller names many records and may be cut in the middle (a partial cursor).
 */
import type { SyncCursor } from '../cursor.js';
import { appliedThrough } from './page.js';

export type ChangeKind =
  | 'record_created'
  | 'record_updated'
  | 'record_deleted'
  | 'grant_changed'
  | 'mask_changed'
  | 'seal_set'
  | 'seal_lifted'
  | 'role_member_added'
  | 'role_member_removed';

/** One row of the change log. */
export interface ChangeRow {
  seq: number;
  kind: ChangeKind;
  recordId: string | null;
  roleId: string | null;
  userId: string | null;
}

/** A role-membership change of the caller (the only kind of change without a record that can touch their set). */
export type RoleChange = ChangeRow & { kind: 'role_member_added' | 'role_member_removed'; roleId: string };

/** What the walk reads; the server reads its tables, the reference model its maps. */
export interface ChangeReader {
  /** Up to `n` changes with seq > `seq`, in seq order. */
  changesAfter(seq: number, n: number): Promise<ChangeRow[]>;
  /**
   * Up to `n` record ids after `after` (in id order) that the caller's role change can affect: on
   * joining, the records granted export to the role; on leaving, the held records granted to the role.
   */
  roleRecords(change: RoleChange, after: string, n: number): Promise<string[]>;
}

export interface WalkLimits {
  /** Records per page. */
  limit: number;
  /** Change rows read per call of the reader. */
  batch: number;
  /** Change rows walked by one page at most. */
  maxChanges: number;
}

/** The records a delta page must decide, and where the next page starts. */
export interface Walk {
  affected: string[];
  next: SyncCursor & { kind: 'delta' | 'partial' };
  hasMore: boolean;
}

export function isRoleChangeOf(ch: ChangeRow, userId: string): ch is RoleChange {
  return (ch.kind === 'role_member_added' || ch.kind === 'role_member_removed') && ch.userId === userId && ch.roleId !== null;
}

/** Walks the change log from `cursor` for the caller `userId`, with `dbSeq` the counter read before the walk. */
export async function walkDelta(
  reader: ChangeReader,
  q: { cursor: SyncCursor & { kind: 'delta' | 'partial' }; dbSeq: number; userId: string },
  lim: WalkLimits,
): Promise<Walk> {
  const { cursor } = q;
  const affected: string[] = [];
  const seen = new Set<string>();
  const add = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    affected.push(id);
  };
  // Every change with seq <= done is fully applied by the page being built.
  let done = appliedThrough(cursor);
  let next: (SyncCursor & { kind: 'partial' }) | null = null;
  let full = false;
  let fetchedThrough = done;
  let walked = 0;
  walk: for (;;) {
    const batch = await reader.changesAfter(fetchedThrough, lim.batch);
    for (const ch of batch) {
      fetchedThrough = ch.seq;
      if (ch.recordId !== null) {
        add(ch.recordId);
      } else if (isRoleChangeOf(ch, q.userId)) {
        const after = cursor.kind === 'partial' && cursor.seq === ch.seq ? cursor.after : '';
        const room = lim.limit - affected.length;
        const ids = await reader.roleRecords(ch, after, room + 1);
        if (ids.length > room) {
          const take = ids.slice(0, room);
          take.forEach(add);
          next = { kind: 'partial', seq: ch.seq, after: take[take.length - 1] as string };
          break walk;
        }
        ids.forEach(add);
      }
      done = ch.seq;
      if (affected.length >= lim.limit || ++walked >= lim.maxChanges) {
        full = true;
        break walk;
      }
    }
    if (batch.length < lim.batch) break;
  }
  if (next) return { affected, next, hasMore: true };
  // Walked to the end: every change up to the counter read before the walk was visible (a seq is
  // committed with its change row), so the cursor may move up to it even across a gap.
  const end = { kind: 'delta' as const, seq: full ? done : Math.max(done, q.dbSeq) };
  return { affected, next: end, hasMore: full && done < q.dbSeq };
}
