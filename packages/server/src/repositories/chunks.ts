/**
 * Ids per IN (...) list: one chunk holds a whole sync page (MAX_SYNC_LIMIT), and even the held-set insert
 * (4 values per id) stays well under SQLite's (32766) and PostgreSQL's (65535) bound-parameter limits.
 */
export const ID_CHUNK = 2000;

/** `xs` in slices of at most `n`. */
export function chunks<T>(xs: readonly T[], n = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
