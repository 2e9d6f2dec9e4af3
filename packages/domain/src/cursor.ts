/**
 * The sync cursor: opaque to clients, parsed only by the server. Formats (seq: decimal, no sign,
 * no leading zero; id: a 22-character random id):
 *   "0" (or absent)      start: the client holds nothing usable, serve a reset
 *   "d.<seq>"            delta: every change with seq <= <seq> has been applied
 *   "p.<seq>.<id>"       partial delta: changes with seq < <seq> applied, and the change <seq> (a role
 *                        membership change, which can touch many records) applied for record ids <= <id>
 *   "r.<snap>.<id>[.<total>]"  reset paging: a snapshot at seq <snap>, records with ids <= <id> already
 *                        sent; <total> carries the snapshot's record count (counted once, on the first page)
 * Anything else is refused with bad_request.
 */
import { SafeholdError } from '@safehold/protocol';

export type SyncCursor =
  | { kind: 'start' }
  | { kind: 'delta'; seq: number }
  | { kind: 'partial'; seq: number; after: string }
  | { kind: 'reset'; snapshotSeq: number; after: string; total?: number };

// A seq: 0 or a decimal without leading zero, at most 16 digits (then checked to be a safe integer).
const DELTA = /^d\.(0|[1-9][0-9]{0,15})$/;
const PARTIAL = /^p\.(0|[1-9][0-9]{0,15})\.([A-Za-z0-9_-]{22})$/;
const RESET = /^r\.(0|[1-9][0-9]{0,15})\.([A-Za-z0-9_-]{22})(?:\.(0|[1-9][0-9]{0,15}))?$/;

function seqOf(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw bad();
  return n;
}

function bad(): SafeholdError {
  return new SafeholdError('bad_request', 'malformed sync cursor: send back the cursor of the last answer, or 0');
}

/** Parses a cursor from the query string; absent, empty or "0" is the start. Throws bad_request when malformed. */
export function parseCursor(s: string | null | undefined): SyncCursor {
  if (s === undefined || s === null || s === '' || s === '0') return { kind: 'start' };
  if (s.length > 200) throw bad();
  const d = DELTA.exec(s);
  if (d) return { kind: 'delta', seq: seqOf(d[1] as string) };
  const p = PARTIAL.exec(s);
  if (p) return { kind: 'partial', seq: seqOf(p[1] as string), after: p[2] as string };
  const r = RESET.exec(s);
  if (r) {
    const c: SyncCursor = { kind: 'reset', snapshotSeq: seqOf(r[1] as string), after: r[2] as string };
    return r[3] === undefined ? c : { ...c, total: seqOf(r[3]) };
  }
  throw bad();
}

/** The string form of a cursor (the inverse of parseCursor). */
export function formatCursor(c: SyncCursor): string {
  switch (c.kind) {
    case 'start':
      return '0';
    case 'delta':
      return `d.${c.seq}`;
    case 'partial':
      return `p.${c.seq}.${c.after}`;
    case 'reset':
      return c.total === undefined ? `r.${c.snapshotSeq}.${c.after}` : `r.${c.snapshotSeq}.${c.after}.${c.total}`;
  }
}
