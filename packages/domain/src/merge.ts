/**
 * Offline edits (E5): the three-way, per-field merge of a queued offline change with the server's
 * current version, and the server's decision on one pushed change. Pure: no I/O, no crypto. A record
 * is seen as a flat map of named field values (see `flatten` in the SDK); an absent key is "no field".
 */

/** A record's plaintext as named fields: `name`, `username`, `url`, `notes`, `tags`, `field:K`, `password`, `secret:K`. */
export type FlatRecord = Readonly<Record<string, string>>;

export interface MergeResult {
  /** The merged fields: one-sided changes taken, both-sided different changes resolved to the server's value. */
  merged: Record<string, string>;
  /** Keys changed on both sides to different values (the server's value kept current), sorted. */
  conflicts: string[];
}

const get = (r: FlatRecord, k: string): string | undefined => (Object.hasOwn(r, k) ? r[k] : undefined);

/**
 * Three-way merge per field of `mine` (the offline version) onto `server` (the current version), both
 * derived from `base`. A field changed on one side only takes that side's value (a removal included); a
 * field changed on both sides to the same value takes it; changed on both sides to different values, the
 * server's value stays and the key is reported as a conflict.
 */
export function mergeThreeWay(base: FlatRecord, server: FlatRecord, mine: FlatRecord): MergeResult {
  const keys = new Set([...Object.keys(base), ...Object.keys(server), ...Object.keys(mine)]);
  const merged: Record<string, string> = {};
  const conflicts: string[] = [];
  for (const k of [...keys].sort()) {
    const b = get(base, k);
    const s = get(server, k);
    const m = get(mine, k);
    let v: string | undefined;
    if (s === m || m === b) v = s;
    else if (s === b) v = m;
    else {
      v = s;
      conflicts.push(k);
    }
    if (v !== undefined) merged[k] = v;
  }
  return { merged, conflicts };
}

/** True when the two flat records hold the same fields and values. */
export function sameFlat(a: FlatRecord, b: FlatRecord): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

export type PushKind = 'create' | 'update' | 'delete';

/** What the server knows of the record a pushed change names, read inside the write transaction. */
export interface PushFacts {
  /** A record with this id exists in this database and the caller may read it (deleted or not). */
  exists: boolean;
  deleted: boolean;
  /** Current revision (null when absent). */
  revision: string | null;
  /** Sealed with no active release for the caller. */
  sealed: boolean;
  canWrite: boolean;
  canDelete: boolean;
  /** The caller created it (a create whose answer was lost). */
  createdByCaller: boolean;
  /** The id is taken in another database or by a record the caller cannot read. */
  takenElsewhere: boolean;
}

/** One queued change as the server decides it. */
export interface PushOpFacts {
  kind: PushKind;
  baseRevision: string | null;
  revision: string | null;
}

export type PushDecision =
  | { do: 'create' | 'update' | 'delete' }
  /** The change is already in place (its answer was lost before an operation id was recorded). */
  | { do: 'already' }
  /** The base is not current: the client merges and sends the change again on the current revision. */
  | { do: 'stale' }
  /** Edited offline, deleted on the server: nothing applied, the offline version kept as a conflict. */
  | { do: 'deleted' }
  /** Deleted offline, edited on the server: the delete is not applied, listed as a conflict. */
  | { do: 'delete_conflict' }
  | { do: 'rejected'; reason: string };

/**
 * The server's decision on one pushed offline change (after the operation id was found new). A change
 * the caller lost the right to make is rejected (kept by the client, audited), never silently dropped.
 */
export function decidePush(op: PushOpFacts, f: PushFacts): PushDecision {
  if (op.kind === 'create') {
    if (f.exists && !f.deleted && f.revision === op.revision && f.createdByCaller) return { do: 'already' };
    if (f.exists || f.takenElsewhere) return { do: 'rejected', reason: 'a record with this id already exists' };
    return { do: 'create' };
  }
  if (!f.exists) return { do: 'rejected', reason: 'the record is no longer accessible to you' };
  if (op.kind === 'update') {
    if (f.deleted) return { do: 'deleted' };
    if (!f.canWrite) return { do: 'rejected', reason: 'the write right on the record was withdrawn' };
    if (f.sealed) return { do: 'rejected', reason: 'the record was sealed' };
    if (f.revision === op.revision) return { do: 'already' };
    return f.revision === op.baseRevision ? { do: 'update' } : { do: 'stale' };
  }
  if (f.deleted) return { do: 'already' };
  if (!f.canDelete) return { do: 'rejected', reason: 'the delete right on the record was withdrawn' };
  if (f.sealed) return { do: 'rejected', reason: 'the record was sealed' };
  return f.revision === op.baseRevision ? { do: 'delete' } : { do: 'delete_conflict' };
}
