/** Client-side search over decrypted headers: case- and accent-insensitive, never over secrets. */
import type { RecordView } from './recordview.js';

// eslint-disable-next-line no-control-regex -- the whole ASCII range is the point: such text needs no Unicode folding.
const ASCII = /^[\x00-\x7f]*$/;

/** Lower-cases and strips diacritics ("Émile" -> "emile"). */
export function foldText(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase(); // the common case, and NFKD + mark stripping cannot change ASCII
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

type Searchable = Pick<RecordView, 'name' | 'username' | 'url' | 'tags' | 'notes'>;

/**
 * Folded text per record object, computed once: a search over 100k records then costs one `includes`
 * per record and term instead of re-folding every header on every query. Weakly held, so it goes with the views.
 */
const folded = new WeakMap<Searchable, string>();

/** The searchable text of a record: name, username, url, tags, notes (no secret, no custom field). */
export function searchableText(v: Searchable): string {
  let text = folded.get(v);
  if (text === undefined) {
    text = foldRecord(v);
    folded.set(v, text);
  }
  return text;
}

function foldRecord(v: Searchable): string {
  return foldText([v.name, v.username, v.url, v.tags.join(' '), v.notes].join('\n'));
}

/** True when every whitespace-separated term of `query` occurs in the record's searchable text. */
export function matches(v: Searchable, query: string): boolean {
  return matchTerms(v, queryTerms(query));
}

/** The folded terms of a query, longest first (the longest is the most selective one to scan for). */
function queryTerms(query: string): string[] {
  // NUL separates records in a prepared index: a term never contains one, so a hit never spans two records.
  return foldText(query)
    .split(/[\s\0]+/)
    .filter((t) => t.length > 0)
    .sort((a, b) => b.length - a.length);
}

function matchTerms(v: Searchable, terms: string[]): boolean {
  if (terms.length === 0) return true;
  const text = searchableText(v);
  return terms.every((t) => text.includes(t));
}

/**
 * The index of a prepared list (see prepareSearch): the folded text of every record in one string,
 * record i at [starts[i], starts[i + 1] - 1), records separated by NUL. A search scans it with indexOf
 * for its longest term and jumps to the next record after each hit, so its cost follows the text and
 * the hits, not the number of records; the list's order is kept.
 */
interface SearchIndex {
  readonly text: string;
  readonly starts: Uint32Array;
}

/** Lists prepared for indexed search: frozen when added, so an index built for one can never go stale. */
const prepared = new WeakSet<readonly object[]>();
/** The index of each prepared list, built at its first search. */
const indexes = new WeakMap<readonly object[], SearchIndex>();

function buildIndex(records: readonly Searchable[]): SearchIndex {
  const starts = new Uint32Array(records.length + 1);
  const parts: string[] = new Array<string>(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const t = foldRecord(records[i] as Searchable).replaceAll('\0', ' ');
    starts[i] = at;
    parts[i] = t;
    at += t.length + 1;
  }
  starts[records.length] = at;
  return { text: parts.join('\0'), starts };
}

/** The record whose text holds offset `pos` (binary search over the start offsets). */
function recordAt(starts: Uint32Array, n: number, pos: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((starts[mid] ?? 0) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function searchIndexed<T>(idx: SearchIndex, records: readonly T[], terms: string[]): T[] {
  const [first, ...rest] = terms as [string, ...string[]];
  const { text, starts } = idx;
  const n = records.length;
  const out: T[] = [];
  let pos = text.indexOf(first);
  while (pos >= 0) {
    const i = recordAt(starts, n, pos);
    const end = (starts[i + 1] ?? text.length + 1) - 1;
    if (rest.length === 0 || rest.every((t) => text.slice(starts[i] ?? 0, end).includes(t))) out.push(records[i] as T);
    if (i + 1 >= n) break;
    pos = text.indexOf(first, starts[i + 1]);
  }
  return out;
}

/**
 * Filters records by a query (see `matches`), keeping their order. A list made ready with prepareSearch
 * is searched through its index (built at its first search); any other list record by record, each
 * record's text folded at most once ever.
 */
export function searchRecords<T extends Searchable>(records: readonly T[], query: string): T[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return records.slice();
  if (prepared.has(records)) {
    let idx = indexes.get(records);
    if (!idx) {
      idx = buildIndex(records);
      indexes.set(records, idx);
    }
    return searchIndexed(idx, records, terms);
  }
  return records.filter((r) => matchTerms(r, terms));
}

/**
 * Makes a list ready for repeated searches (an offline unlock's list): freezes it and returns it; its
 * index is built at its first search, so a list that is never searched costs nothing more.
 */
export function prepareSearch<T extends Searchable>(records: T[]): readonly T[] {
  Object.freeze(records);
  prepared.add(records);
  return records;
}

/**
 * Builds the index of a list made ready with prepareSearch now rather than at its first search (a UI that
 * has just listed: the first keystroke then costs a search, not the index of the whole list). No-op otherwise.
 */
export function indexForSearch(records: readonly object[]): void {
  if (prepared.has(records) && !indexes.has(records)) indexes.set(records, buildIndex(records as readonly Searchable[]));
}

/**
 * One shared collator, made at the first comparison: making one costs about 10 ms (ICU), which a process or
 * thread that loads this module and never sorts (most CLI commands, the header cache thread until it orders) need not pay.
 */
let shared: Intl.Collator | null = null;
function collator(): Intl.Collator {
  shared ??= new Intl.Collator();
  return shared;
}

/** The locale sortByName sorts in (a list stored in that order is still sorted only for the same locale). */
export function sortLocale(): string {
  return collator().resolvedOptions().locale;
}

/** Sorts views by name, then id, in the user's locale (one shared collator: localeCompare builds one per call). */
export function sortByName<T extends { name: string; id: string }>(records: T[]): T[] {
  const c = collator();
  return records.sort((a, b) => c.compare(a.name, b.name) || c.compare(a.id, b.id));
}

/**
 * Sorts indexes into parallel `names` and `ids` as sortByName sorts the records they stand for (the same
 * comparisons, and the same stable sort, so given in increasing order, ties keep it): a list order without
 * an object per record (the sync's header cache orders 100k rows).
 */
export function sortIndexesByName(indexes: number[], names: readonly string[], ids: readonly string[]): number[] {
  const c = collator();
  return indexes.sort((a, b) => c.compare(names[a] as string, names[b] as string) || c.compare(ids[a] as string, ids[b] as string));
}

/**
 * `sorted` (in sortByName's order) with `extra` placed where sortByName would put them: the same list as
 * sortByName([...sorted, ...extra]) (name, then id, is a total order), with k·log n comparisons for k extra
 * records instead of a whole sort — an unlock that rechecks 500 changed records of a cached 100k list.
 */
export function mergeByName<T extends { name: string; id: string }>(sorted: readonly T[], extra: T[]): T[] {
  return mergeByNameFrom(sorted, extra).out;
}

/**
 * mergeByName, and where each element of the merged list comes from: from[i] is k for sorted[k], or -1 - j for
 * extra[j] once extra is sorted (in place, as mergeByName sorts it): what an unlock needs to extend a stored list order.
 */
export function mergeByNameFrom<T extends { name: string; id: string }>(sorted: readonly T[], extra: T[]): { out: T[]; from: Int32Array } {
  const out: T[] = new Array<T>(sorted.length + extra.length);
  const from = new Int32Array(out.length);
  const c = collator();
  const cmp = (a: T, b: T): number => c.compare(a.name, b.name) || c.compare(a.id, b.id);
  extra.sort(cmp);
  let next = 0;
  let at = 0;
  for (const [j, x] of extra.entries()) {
    // The first position in sorted[next..] whose element sorts after x.
    let lo = next;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(sorted[mid] as T, x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    while (next < lo) {
      from[at] = next;
      out[at++] = sorted[next++] as T;
    }
    from[at] = -1 - j;
    out[at++] = x;
  }
  while (next < sorted.length) {
    from[at] = next;
    out[at++] = sorted[next++] as T;
  }
  return { out, from };
}

/** True when the record carries the tag (case- and accent-insensitive). */
export function hasTag(v: Pick<RecordView, 'tags'>, tag: string): boolean {
  const t = foldText(tag);
  return v.tags.some((x) => foldText(x) === t);
}
