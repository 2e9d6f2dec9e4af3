/**
 * The encrypted header cache of the offline database: the listing view of every listable record (its
 * decrypted header part and metadata, never a secret value), in list order, current as of one store
 * generation. An offline unlock then decrypts one blob and rechecks only the records the store's change
 * log names since that generation, instead of two envelopes per record.
 * It lives in the store's cache table, AES-256-GCM under the user key; any cache that does not open,
 * parse or check is treated as absent and rebuilt: the cache is never a reason for an error.
 */
import { RIGHTS, type HeaderPlain } from '@safehold/protocol';
import type { Right } from '@safehold/protocol/api';
import type { RecordField, RecordView } from '../recordview.js';
import type { OfflineSession } from './unlock.js';
import { sortLocale } from '../search.js';
import { fromUtf8, openHeaderCache, sealHeaderCache, utf8 } from '../keys/index.js';

export const CACHE_KEY = 'headers';
export const FORMAT = 3;

/** A cache as stored: the store generation it is current for, and the record views, in list order. */
export interface HeaderCache {
  generation: number;
  views: RecordView[];
  /** The locale the views are sorted in (sortLocale() of the writer); absent in caches written before it was kept. */
  locale?: string;
}

const isStr = (x: unknown): x is string => typeof x === 'string';

/*
 * A view is stored as a row, [id, name, username, url, notes, tags, fields, masked, rights, revision,
 * updatedAt], with fields as [name, value] (plain) or [name] (secret: never a value) and rights as a bit
 * set over RIGHTS (its order is part of FORMAT): a third less to read, decrypt and parse than keyed objects at every unlock.
 */
type Row = [string, string, string, string, string, string[], Array<[string, string] | [string]>, boolean, number, string, string];

export function toRow(v: RecordView): Row {
  let rights = 0;
  for (const r of v.rights) rights |= 1 << RIGHTS.indexOf(r);
  const fields = v.fields.map((f): [string, string] | [string] => (f.secret ? [f.name] : [f.name, f.value ?? '']));
  return [v.id, v.name, v.username, v.url, v.notes, v.tags, fields, v.masked, rights, v.revision, v.updatedAt];
}

/**
 * The row of a record straight from its metadata and decrypted header, as toRow(toView(...)) gives it
 * without the view in between (the sync's header cache writer makes 100k of them on a first sync).
 */
export function headerRow(r: { id: string; masked: boolean; rights: readonly string[]; revision: string; updatedAt: string }, h: HeaderPlain): Row {
  let rights = 0;
  for (const x of r.rights) rights |= 1 << RIGHTS.indexOf(x as Right);
  const fields: Array<[string, string] | [string]> = [];
  for (const f of h.fields) fields.push([f.name, f.value]);
  for (const name of h.secretFieldNames) fields.push([name]);
  return [r.id, h.name, h.username, h.url, h.notes, h.tags, fields, r.masked, rights, r.revision, r.updatedAt];
}

/** Each rights bit set as its list of rights (5 rights: 32 sets). */
const RIGHT_SETS: Right[][] = Array.from({ length: 1 << RIGHTS.length }, (_, bits) => RIGHTS.filter((_r, i) => (bits & (1 << i)) !== 0));

/** The view of a stored row, or null when the row is not exactly of that shape. Indexed reads: this runs 100k times per unlock. */
function fromRow(x: unknown): RecordView | null {
  if (!Array.isArray(x) || x.length !== 11) return null;
  const row = x as unknown[];
  const id = row[0], name = row[1], username = row[2], url = row[3], notes = row[4], tags = row[5], rawFields = row[6];
  const masked = row[7], bits = row[8], revision = row[9], updatedAt = row[10];
  if (!isStr(id) || !isStr(name) || !isStr(username) || !isStr(url) || !isStr(notes) || !Array.isArray(tags) || !tags.every(isStr)) return null;
  if (!Array.isArray(rawFields) || typeof masked !== 'boolean' || typeof bits !== 'number' || !isStr(revision) || !isStr(updatedAt)) return null;
  const rights = RIGHT_SETS[bits];
  if (!rights) return null;
  const fields: RecordField[] = [];
  for (const f of rawFields as unknown[]) {
    if (!Array.isArray(f) || !isStr(f[0])) return null;
    if (f.length === 1) fields.push({ name: f[0], secret: true });
    else if (f.length === 2 && isStr(f[1])) fields.push({ name: f[0], secret: false, value: f[1] });
    else return null;
  }
  return { id, name, username, url, notes, tags, fields, masked, sealed: false, rights: rights.slice(), revision, updatedAt };
}

/** One sealed value of the cache, opened and parsed; throws when it does not open or parse. */
function openDoc(s: OfflineSession, blob: Uint8Array): unknown {
  let plain: Uint8Array | undefined;
  try {
    plain = openHeaderCache(s.userKey, s.sidecar.user, blob);
    return JSON.parse(fromUtf8(plain)) as unknown;
  } finally {
    plain?.fill(0);
  }
}

/** Appends the views of `rows` to `out`; false when any row is malformed. */
function addRows(rows: unknown, out: RecordView[]): boolean {
  if (!Array.isArray(rows)) return false;
  for (const row of rows as unknown[]) {
    const v = fromRow(row);
    if (!v) return false;
    out.push(v);
  }
  return true;
}

/**
 * The views of a cache the sync wrote (headercachewriter.ts): its parts `headers/1..n` in page order, put
 * in list order by `order` (distinct indexes into them: a row a later page replaced or removed is left
 * out), or null when anything is missing or malformed.
 */
function readParts(s: OfflineSession, parts: unknown, order: unknown): RecordView[] | null {
  if (!Number.isSafeInteger(parts) || (parts as number) < 0 || !Array.isArray(order)) return null;
  const paged: RecordView[] = [];
  for (let i = 1; i <= (parts as number); i++) {
    const blob = s.store.getCache(`${CACHE_KEY}/${i}`);
    if (!blob || !addRows(openDoc(s, blob), paged)) return null;
  }
  if (order.length > paged.length) return null;
  const seen = new Uint8Array(paged.length);
  const views: RecordView[] = new Array<RecordView>(order.length);
  for (let i = 0; i < order.length; i++) {
    const at = order[i] as unknown;
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= paged.length || seen[at]) return null;
    seen[at] = 1;
    views[i] = paged[at] as RecordView;
  }
  return views;
}

/** The header cache of the session's store, or null when absent, unreadable or malformed anywhere. */
export function readHeaderCache(s: OfflineSession): HeaderCache | null {
  const blob = s.store.getCache(CACHE_KEY);
  if (!blob) return null;
  try {
    const doc = openDoc(s, blob) as { v?: unknown; g?: unknown; l?: unknown; rows?: unknown; parts?: unknown; order?: unknown } | null;
    if (!doc || doc.v !== FORMAT || !Number.isSafeInteger(doc.g)) return null;
    const head = { generation: doc.g as number, ...(typeof doc.l === 'string' ? { locale: doc.l } : {}) };
    if (doc.parts !== undefined) {
      const views = readParts(s, doc.parts, doc.order);
      return views ? { ...head, views } : null;
    }
    const views: RecordView[] = [];
    return addRows(doc.rows, views) ? { ...head, views } : null;
  } catch {
    return null;
  }
}

/**
 * Writes the cache back as current for `generation`, best effort: it is kept only when no sync page
 * landed since that generation and the file is writable; otherwise the old cache (and its log) stays.
 */
export function writeHeaderCache(s: OfflineSession, generation: number, views: readonly RecordView[]): boolean {
  let plain: Uint8Array | undefined;
  try {
    plain = utf8(JSON.stringify({ v: FORMAT, g: generation, l: sortLocale(), rows: views.map(toRow) }));
    return s.store.setCacheAt(CACHE_KEY, sealHeaderCache(s.userKey, s.sidecar.user, plain), generation);
  } catch {
    return false;
  } finally {
    plain?.fill(0);
  }
}
