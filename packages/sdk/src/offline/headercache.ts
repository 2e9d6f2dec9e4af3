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
import { fromUtf8, utf8 } from '../keys/codec.js';
import { openHeaderCache, sealHeaderCache } from '../keys/headerseal.js';
import { withRoom } from './grow.js';

export const CACHE_KEY = 'headers';
export const FORMAT = 4;

/** A cache as stored: the store generation it is current for, and the record views, in list order. */
export interface HeaderCache {
  generation: number;
  views: RecordView[];
  /** The locale the views are sorted in (sortLocale() of the writer); absent in caches written before it was kept. */
  locale?: string;
  /**
   * Where the views come from when the cache is in parts (every cache written since session 11; before, an
   * unlock's rewrite put the rows inline in the index): the part count, the rows the parts hold (a row that was
   * replaced or removed stays there, outside the order), and the row of each view (views[i] is row order[i]).
   */
  layout?: CacheLayout;
}

export interface CacheLayout {
  parts: number;
  rows: number;
  order: number[];
}

/*
 * A view is packed from a row, [id, name, username, url, notes, tags, fields, masked, rights, revision,
 * updatedAt], with fields as [name, value] (plain) or [name] (secret: never a value) and rights as a bit
 * set over RIGHTS (its order is part of FORMAT).
 */
export type Row = [string, string, string, string, string, readonly string[], Array<[string, string] | [string]>, boolean, number, string, string];

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

/**
 * Each rights bit set as its list of rights (5 rights: 32 sets), frozen: the views read from the cache share them
 * (100k arrays fewer for an unlock to allocate and collect), and a view's lists are read-only (RecordView).
 */
export const RIGHT_SETS: ReadonlyArray<readonly Right[]> = Array.from({ length: 1 << RIGHTS.length }, (_, bits) => Object.freeze(RIGHTS.filter((_r, i) => (bits & (1 << i)) !== 0)));
/** The empty tags or fields of a cached view, shared and frozen likewise. */
const NONE: readonly never[] = Object.freeze([]);
/** The masked flag, stored beside the rights bits. */
const MASKED = 1 << RIGHTS.length;

/*
 * The stored values (FORMAT 4), each sealed as before (AES-256-GCM under the user key):
 * - a part `headers/<n>` (written by the sync, headercachewriter.ts): packed rows;
 * - the index `headers`: the UTF-8 JSON head {v, g, l, parts?}, a 0 byte (JSON text never holds one), then the
 *   list order as varints when the rows are in parts, or else the packed rows themselves.
 * Packed rows: the row count and the byte length of the numbers (varints), the numbers (varints), then the
 * UTF-8 text of every string of every row, concatenated. The numbers give each string's length in UTF-16 code
 * units, so a reader decodes the text once and slices it (instead of JSON.parse making every string and array
 * that fromRow then walks again). Per row: the lengths of id, name, username, url, notes, revision, updatedAt;
 * the rights bits, plus MASKED when masked; the tag count and each tag's length; the field count, then per field 0 and its
 * name's length (a secret field: never a value) or 1 and its name's and value's lengths.
 * The strings come from decrypted UTF-8 (no lone surrogates), so the text's code units are the strings' own.
 */

/** Unsigned varints (7 bits a byte, low first) in a growing buffer. */
class Varints {
  private bytes = new Uint8Array(1024);
  private length = 0;

  add(x: number): void {
    this.bytes = withRoom(this.bytes, this.length + 5, this.length, true);
    while (x > 127) {
      this.bytes[this.length++] = (x & 127) | 128;
      x >>>= 7;
    }
    this.bytes[this.length++] = x;
  }

  get size(): number {
    return this.length;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Starts again empty (the caller zeroed the view). */
  reset(): void {
    this.length = 0;
  }
}

/** `head` and a 0 byte (when there is a head), then the chunks, in one fresh buffer; every input is zeroed. */
function joined(head: Uint8Array | null, chunks: Uint8Array[]): Uint8Array {
  let at = head ? head.length + 1 : 0;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, at));
  if (head) {
    out.set(head);
    head.fill(0);
  }
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
    c.fill(0);
  }
  return out;
}

/**
 * Packed rows made one row at a time: their numbers and their UTF-8 text grow in two buffers that are reused
 * from one take() to the next, so the rows of a page need not all live as arrays until it is sealed (the
 * sync's header cache thread makes 100k of them). Both buffers hold header plaintext: take() and clear() zero them.
 */
export class RowPacker {
  private readonly nums = new Varints();
  private text = new Uint8Array(64 * 1024);
  private textLength = 0;
  private rows = 0;

  /** Rows added since the last take(). */
  get count(): number {
    return this.rows;
  }

  add(r: Row): void {
    this.str(r[0]);
    this.str(r[1]);
    this.str(r[2]);
    this.str(r[3]);
    this.str(r[4]);
    this.str(r[9]);
    this.str(r[10]);
    this.nums.add((r[7] ? MASKED : 0) | r[8]);
    this.nums.add(r[5].length);
    for (const t of r[5]) this.str(t);
    this.nums.add(r[6].length);
    for (const f of r[6]) {
      this.nums.add(f.length === 1 ? 0 : 1);
      this.str(f[0]);
      if (f.length === 2) this.str(f[1]);
    }
    this.rows++;
  }

  /** The rows added so far, packed after `head` and its 0 byte (when given), in a fresh buffer the caller zeroes; the packer starts again empty. */
  take(head: Uint8Array | null = null): Uint8Array {
    const lead = new Varints();
    lead.add(this.rows);
    lead.add(this.nums.size);
    const out = joined(head, [lead.view(), this.nums.view(), this.text.subarray(0, this.textLength)]);
    this.nums.reset();
    this.textLength = 0;
    this.rows = 0;
    return out;
  }

  /** Zeroes and drops the rows added so far (after a failure). */
  clear(): void {
    this.nums.view().fill(0);
    this.nums.reset();
    this.text.fill(0, 0, this.textLength);
    this.textLength = 0;
    this.rows = 0;
  }

  /** One string: its length in UTF-16 code units among the numbers, its UTF-8 bytes after the text so far. */
  private str(x: string): void {
    this.nums.add(x.length);
    // At most 3 bytes of UTF-8 per UTF-16 code unit.
    this.text = withRoom(this.text, this.textLength + x.length * 3, this.textLength, true);
    this.textLength += TEXT.encodeInto(x, this.text.subarray(this.textLength)).written;
  }
}

const TEXT = new TextEncoder();

/** `rows` packed (after `head` and its 0 byte, when given); the caller zeroes the result. */
function packRowsAfter(head: Uint8Array | null, rows: readonly Row[]): Uint8Array {
  const packer = new RowPacker();
  for (const r of rows) packer.add(r);
  return packer.take(head);
}

/** The plaintext of a part: `rows` packed (the caller zeroes it). */
export function packRows(rows: readonly Row[]): Uint8Array {
  return packRowsAfter(null, rows);
}

/** The plaintext of an index: its head, then the list order of the parts' rows, or (without parts) the rows themselves. */
export function packIndex(generation: number, locale: string, body: { parts: number; order: readonly number[] } | { rows: readonly Row[] }): Uint8Array {
  if ('rows' in body) return packRowsAfter(utf8(JSON.stringify({ v: FORMAT, g: generation, l: locale })), body.rows);
  const order = new Varints();
  for (const i of body.order) order.add(i);
  return joined(utf8(JSON.stringify({ v: FORMAT, g: generation, l: locale, parts: body.parts })), [order.view()]);
}

/** Reads the varints of `b` from `at` up to `end`; each below 2^28 (longer, or past the end: -1). */
class VarintReader {
  constructor(
    private readonly b: Uint8Array,
    public at: number,
    public end: number,
  ) {}

  next(): number {
    let x = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.at >= this.end) return -1;
      const c = this.b[this.at++] as number;
      x |= (c & 127) << shift;
      if (c < 128) return x;
    }
    return -1;
  }
}

/** Appends the views of the packed rows in `b` (from `at`) to `out`; false when anything is malformed. */
function unpackRows(b: Uint8Array, at: number, out: RecordView[]): boolean {
  const r = new VarintReader(b, at, b.length);
  const count = r.next();
  const numsLen = r.next();
  if (count < 0 || numsLen < 0 || numsLen > r.end - r.at || count > numsLen) return false;
  r.end = r.at + numsLen;
  const text = fromUtf8(b.subarray(r.end));
  let p = 0;
  let bad = false;
  const str = (): string => {
    const len = r.next();
    if (len < 0 || len > text.length - p) {
      bad = true;
      return '';
    }
    p += len;
    return text.slice(p - len, p);
  };
  for (let i = 0; i < count; i++) {
    const id = str(), name = str(), username = str(), url = str(), notes = str(), revision = str(), updatedAt = str();
    const flags = r.next();
    const tagCount = r.next();
    if (bad || flags < 0 || flags >= 2 * MASKED || tagCount < 0 || tagCount > r.end - r.at) return false;
    const tags = tagCount === 0 ? NONE : new Array<string>(tagCount);
    for (let k = 0; k < tagCount; k++) (tags as string[])[k] = str();
    const fieldCount = r.next();
    if (fieldCount < 0 || fieldCount > r.end - r.at) return false;
    const fields = fieldCount === 0 ? NONE : new Array<RecordField>(fieldCount);
    for (let k = 0; k < fieldCount; k++) {
      const kind = r.next();
      if (kind === 0) (fields as RecordField[])[k] = { name: str(), secret: true };
      else if (kind === 1) (fields as RecordField[])[k] = { name: str(), secret: false, value: str() };
      else return false;
    }
    if (bad) return false;
    const rights = RIGHT_SETS[flags & (MASKED - 1)] as readonly Right[];
    out.push({ id, name, username, url, notes, tags, fields, masked: flags >= MASKED, sealed: false, rights, revision, updatedAt });
  }
  return r.at === r.end && p === text.length;
}

/** The list order packed in `b` from `at` (varints to the end), or null when malformed. */
function unpackOrder(b: Uint8Array, at: number): number[] | null {
  const r = new VarintReader(b, at, b.length);
  const order: number[] = [];
  while (r.at < r.end) {
    const i = r.next();
    if (i < 0) return null;
    order.push(i);
  }
  return order;
}

/** One sealed value of the cache, opened (the caller zeroes it); throws when it does not open. */
function openValue(s: OfflineSession, blob: Uint8Array): Uint8Array {
  return openHeaderCache(s.userKey, s.sidecar.user, blob);
}

/**
 * The views of a cache the sync wrote (headercachewriter.ts): its parts `headers/1..n` in page order, put
 * in list order by `order` (distinct indexes into them: a row a later page replaced or removed is left
 * out), or null when anything is missing or malformed.
 */
function readParts(s: OfflineSession, parts: unknown, order: number[] | null): { views: RecordView[]; layout: CacheLayout } | null {
  if (!Number.isSafeInteger(parts) || (parts as number) < 0 || !order) return null;
  const paged: RecordView[] = [];
  for (let i = 1; i <= (parts as number); i++) {
    const blob = s.store.getCache(`${CACHE_KEY}/${i}`);
    if (!blob) return null;
    const plain = openValue(s, blob);
    try {
      if (!unpackRows(plain, 0, paged)) return null;
    } finally {
      plain.fill(0);
    }
  }
  if (order.length > paged.length) return null;
  const seen = new Uint8Array(paged.length);
  const views: RecordView[] = new Array<RecordView>(order.length);
  for (let i = 0; i < order.length; i++) {
    const at = order[i] as number;
    if (at >= paged.length || seen[at]) return null;
    seen[at] = 1;
    views[i] = paged[at] as RecordView;
  }
  return { views, layout: { parts: parts as number, rows: paged.length, order } };
}

/** The header cache of the session's store, or null when absent, unreadable or malformed anywhere. */
export function readHeaderCache(s: OfflineSession): HeaderCache | null {
  const blob = s.store.getCache(CACHE_KEY);
  if (!blob) return null;
  let plain: Uint8Array | undefined;
  try {
    plain = openValue(s, blob);
    // A cache of an earlier format (a JSON document: no 0 byte) is no cache.
    const cut = plain.indexOf(0);
    if (cut < 0) return null;
    const doc = JSON.parse(fromUtf8(plain.subarray(0, cut))) as { v?: unknown; g?: unknown; l?: unknown; parts?: unknown } | null;
    if (!doc || doc.v !== FORMAT || !Number.isSafeInteger(doc.g)) return null;
    const head = { generation: doc.g as number, ...(typeof doc.l === 'string' ? { locale: doc.l } : {}) };
    if (doc.parts !== undefined) {
      const read = readParts(s, doc.parts, unpackOrder(plain, cut + 1));
      return read ? { ...head, ...read } : null;
    }
    const views: RecordView[] = [];
    return unpackRows(plain, cut + 1, views) ? { ...head, views } : null;
  } catch {
    return null;
  } finally {
    plain?.fill(0);
  }
}

/** The parts stored beside the index, written and extended by unlocks; a cache with more is written whole again. */
export const MAX_PARTS = 1024;

/**
 * Writes the cache back as current for `generation`, best effort: it is kept only when no sync page
 * landed since that generation and the file is writable; otherwise the old cache (and its log) stays.
 * Written whole: every view as one part, in list order, and an index naming them in that order.
 */
export function writeHeaderCache(s: OfflineSession, generation: number, views: readonly RecordView[]): boolean {
  return putIndexed(s, generation, { keep: false, parts: 0 }, views, Array.from(views, (_v, i) => i));
}

/**
 * Writes the cache back as current for `generation` by extending the stored one (its `layout`, read at the same
 * generation the caller rechecked from): `fresh`, the rechecked views, become one more part, and the index its new
 * list order over all the parts' rows (the stored rows first, then fresh[j] as row layout.rows + j). An unlock after
 * a delta sync of 500 records of 100k writes 500 rows and the order, not 20 MB. Best effort, as writeHeaderCache.
 */
export function extendHeaderCache(s: OfflineSession, generation: number, layout: Pick<CacheLayout, 'parts'>, fresh: readonly RecordView[], order: readonly number[]): boolean {
  return putIndexed(s, generation, { keep: true, parts: layout.parts }, fresh, order);
}

/** Seals one cache value's plaintext (a part's packed rows, an index) under the user key, and zeroes the plaintext. */
export function sealPlain(userKey: Uint8Array, user: string, plain: Uint8Array): Uint8Array {
  try {
    return sealHeaderCache(userKey, user, plain);
  } finally {
    plain.fill(0);
  }
}

/** The sealed index of a cache in parts: the generation, the locale, the part count and the list order over the parts' rows. */
export function sealIndex(userKey: Uint8Array, user: string, generation: number, parts: number, order: readonly number[]): Uint8Array {
  return sealPlain(userKey, user, packIndex(generation, sortLocale(), { parts, order }));
}

function putIndexed(s: OfflineSession, generation: number, stored: { keep: boolean; parts: number }, rows: readonly RecordView[], order: readonly number[]): boolean {
  const { userKey, sidecar: { user } } = s;
  try {
    const parts = stored.parts + (rows.length > 0 ? 1 : 0);
    const add: Array<readonly [string, Uint8Array]> = rows.length > 0 ? [[`${CACHE_KEY}/${parts}`, sealPlain(userKey, user, packRows(rows.map(toRow)))]] : [];
    return s.store.setCacheAt(CACHE_KEY, sealIndex(userKey, user, generation, parts, order), generation, { keep: stored.keep, add });
  } catch {
    return false;
  }
}
