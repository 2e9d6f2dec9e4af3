/**
 * The rows of a header cache being built by a sync (ADR 0076, 0095), with no sealing and no I/O: each record's
 * header decrypted into its row, the current page's rows as the JSON text of its part, and the name and id
 * of every row for the list order. Used by the writer on the sync's thread and by the header cache thread alike.
 */
import type { StoredRecord } from '@safehold/store';
import { decryptHeader } from '../keys/index.js';
import { sortIndexesByName } from '../search.js';
import { headerRow } from './headercache.js';

export type RowMeta = Pick<StoredRecord, 'id' | 'revision' | 'masked' | 'rights' | 'updatedAt' | 'header'>;

/**
 * A page's rows as the UTF-8 JSON text of their array, written row by row as each header is decrypted
 * (ADR 0095, session 7): the same bytes as JSON.stringify(rows), without a page of row arrays living until
 * the page is sealed. One buffer, reused page after page and zeroed after each (it holds header plaintext).
 */
class PageText {
  private buf = Buffer.allocUnsafeSlow(64 * 1024).fill(0);
  private len = 0;
  private rows = 0;

  get count(): number {
    return this.rows;
  }

  /** Appends one row's JSON text. */
  row(json: string): void {
    const most = json.length * 3 + 2;
    if (this.len + most > this.buf.byteLength) this.grow(this.len + most);
    this.buf[this.len++] = this.rows === 0 ? 0x5b : 0x2c; // '[' or ','
    this.len += this.buf.write(json, this.len, 'utf8');
    this.rows++;
  }

  /** The page's JSON text (a copy, for the caller to zero), or null without rows; the buffer is zeroed for the next page. */
  take(): Uint8Array | null {
    if (this.rows === 0) return null;
    const out = new Uint8Array(this.len + 1);
    out.set(this.buf.subarray(0, this.len));
    out[this.len] = 0x5d; // ']'
    this.clear();
    return out;
  }

  /** Zeroes what the page holds so far (a failure drops the page). */
  clear(): void {
    this.buf.fill(0, 0, this.len);
    this.len = 0;
    this.rows = 0;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.buf.byteLength * 2)).fill(0);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf.fill(0);
    this.buf = bigger;
  }
}

/**
 * The latest row of each id, as an open-addressing table of row indexes keyed by a hash of the id (session 7:
 * about 1 MiB at 100k rows where a Map<string, number> held about 4, with its resizes), for the rows that a
 * later row of the same id or a removal replaces. Ids are compared in full on a hash match.
 */
class LatestRow {
  private slots = new Int32Array(1024).fill(-1);
  private hashes = new Int32Array(1024);
  private count = 0;

  constructor(private readonly ids: readonly string[]) {}

  /** The latest row of `id`, or -1. */
  get(id: string): number {
    const mask = this.slots.length - 1;
    for (let at = hashOf(id) & mask; ; at = (at + 1) & mask) {
      const row = this.slots[at] as number;
      if (row < 0 || this.ids[row] === id) return row;
    }
  }

  /** Row `row` (whose id is `ids[row]`) is now the latest of its id. */
  set(row: number): void {
    if (row >= this.hashes.length) {
      const h = new Int32Array(this.hashes.length * 2);
      h.set(this.hashes);
      this.hashes = h;
    }
    const hash = hashOf(this.ids[row] as string);
    this.hashes[row] = hash;
    if (this.place(row, hash)) this.count++;
    if (this.count * 2 > this.slots.length) this.grow();
  }

  /** Puts `row` in its id's slot: true when the id had none. */
  private place(row: number, hash: number): boolean {
    const mask = this.slots.length - 1;
    const id = this.ids[row];
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const old = this.slots[at] as number;
      if (old < 0 || this.ids[old] === id) {
        this.slots[at] = row;
        return old < 0;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    for (const row of old) if (row >= 0) this.place(row, this.hashes[row] as number);
  }
}

/** A 32-bit FNV-1a hash of a string's UTF-16 code units. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class HeaderRows {
  private readonly page = new PageText();
  /** Every row so far, by its index across the parts: its name and id (for the order), and whether it is still live. */
  private readonly names: string[] = [];
  private readonly ids: string[] = [];
  private dead = new Uint8Array(1024);
  private readonly latest = new LatestRow(this.ids);

  /** Decrypts one record's header into the current page; throws when it does not decrypt or check. */
  add(r: RowMeta, headerKey: Uint8Array): void {
    const header = decryptHeader(headerKey, r.id, r.revision, r.header);
    this.page.row(JSON.stringify(headerRow(r, header)));
    this.supersede(r.id);
    const row = this.names.length;
    this.names.push(header.name);
    this.ids.push(r.id);
    if (row >= this.dead.length) {
      const d = new Uint8Array(this.dead.length * 2);
      d.set(this.dead);
      this.dead = d;
    }
    this.latest.set(row);
  }

  /**
   * The current page's rows as the UTF-8 JSON text of their array (the caller zeroes it once sealed), or
   * null for a page without rows; a new page starts. `removed` leave the order.
   */
  takePage(removed: readonly string[]): Uint8Array | null {
    for (const id of removed) this.supersede(id);
    return this.page.take();
  }

  /** Zeroes the current page's rows (after a failure). */
  clear(): void {
    this.page.clear();
  }

  /** The indexes of the live rows in list order (the order sortByName gives a list). */
  order(): number[] {
    const live: number[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.dead[i] === 0) live.push(i);
    return sortIndexesByName(live, this.names, this.ids);
  }

  /** The row of `id` so far, if any, leaves the order. */
  private supersede(id: string): void {
    const row = this.latest.get(id);
    if (row >= 0) this.dead[row] = 1;
  }
}
