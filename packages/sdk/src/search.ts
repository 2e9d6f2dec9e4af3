/** Client-side search over decrypted headers: case- and accent-insensitive, never over secrets. */
import type { RecordView } from './recordcrypto.js';

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
    text = foldText([v.name, v.username, v.url, v.tags.join(' '), v.notes].join('\n'));
    folded.set(v, text);
  }
  return text;
}

/** True when every whitespace-separated term of `query` occurs in the record's searchable text. */
export function matches(v: Searchable, query: string): boolean {
  return matchTerms(v, queryTerms(query));
}

function queryTerms(query: string): string[] {
  return foldText(query).split(/\s+/).filter((t) => t.length > 0);
}

function matchTerms(v: Searchable, terms: string[]): boolean {
  if (terms.length === 0) return true;
  const text = searchableText(v);
  return terms.every((t) => text.includes(t));
}

/** Filters records by a query (see `matches`); the query is folded once, each record's text at most once ever. */
export function searchRecords<T extends Searchable>(records: T[], query: string): T[] {
  const terms = queryTerms(query);
  return records.filter((r) => matchTerms(r, terms));
}

/** Folds the searchable text of every record now (at unlock), so that later searches only compare. */
export function prepareSearch(records: Searchable[]): void {
  for (const r of records) searchableText(r);
}

const collator = new Intl.Collator();

/** Sorts views by name, then id, in the user's locale (one shared collator: localeCompare builds one per call). */
export function sortByName<T extends { name: string; id: string }>(records: T[]): T[] {
  return records.sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.id, b.id));
}

/** True when the record carries the tag (case- and accent-insensitive). */
export function hasTag(v: Pick<RecordView, 'tags'>, tag: string): boolean {
  const t = foldText(tag);
  return v.tags.some((x) => foldText(x) === t);
}
