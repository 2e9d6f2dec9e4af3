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

export class HeaderRows {
  private readonly page = new PageText();
  /**
   * Every row so far, by its index across the parts: its name and id, for the order. Which rows a later
   * row of the same id or a removal replaced is worked out once, by the order (session 7: no id map and
   * no flag per row for the whole sync; a fresh file's ids are almost always distinct).
   */
  private readonly names: string[] = [];
  private readonly ids: string[] = [];
  /** The ids a page removed, each with the row count when it did: it removes the rows before that. */
  private readonly removed = new Map<string, number>();

  /** Decrypts one record's header into the current page; throws when it does not decrypt or check. */
  add(r: RowMeta, headerKey: Uint8Array): void {
    const header = decryptHeader(headerKey, r.id, r.revision, r.header);
    this.page.row(JSON.stringify(headerRow(r, header)));
    this.names.push(header.name);
    this.ids.push(r.id);
  }

  /**
   * The current page's rows as the UTF-8 JSON text of their array (the caller zeroes it once sealed), or
   * null for a page without rows; a new page starts. `removed` leave the order.
   */
  takePage(removed: readonly string[]): Uint8Array | null {
    for (const id of removed) this.removed.set(id, this.names.length);
    return this.page.take();
  }

  /** Zeroes the current page's rows (after a failure). */
  clear(): void {
    this.page.clear();
  }

  /**
   * The indexes of the live rows in list order (the order sortByName gives a list): a row is live unless a
   * later row has its id or a later page removed it.
   */
  order(): number[] {
    const { names, ids } = this;
    const n = names.length;
    const dead = new Uint8Array(n);
    // By id, then index: a row followed by one of the same id is replaced by it.
    const byId = Array.from({ length: n }, (_x, i) => i);
    byId.sort((a, b) => {
      const x = ids[a] as string, y = ids[b] as string;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    for (let k = 0; k + 1 < n; k++) {
      if (ids[byId[k] as number] === ids[byId[k + 1] as number]) dead[byId[k] as number] = 1;
    }
    const live: number[] = [];
    for (let i = 0; i < n; i++) {
      const gone = this.removed.get(ids[i] as string);
      if (dead[i] === 0 && (gone === undefined || gone <= i)) live.push(i);
    }
    return sortIndexesByName(live, names, ids);
  }
}
