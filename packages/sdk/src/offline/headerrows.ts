/**
 * The rows of a header cache being built by a sync (ADR 0076, 0095), with no sealing and no I/O: each record's
 * header decrypted into its row, the current page's rows packed as its part (FORMAT 4), and the name and id
 * of every row for the list order. Used by the writer on the sync's thread and by the header cache thread alike.
 */
import type { StoredRecord } from '@safehold/store';
import { decryptHeader } from '../keys/recordcrypto.js';
import { sortIndexesByName } from '../search.js';
import { RowPacker, headerRow } from './headercache.js';
import { withRoom } from './grow.js';

export type RowMeta = Pick<StoredRecord, 'id' | 'revision' | 'masked' | 'rights' | 'updatedAt' | 'header'>;

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
    this.hashes = withRoom(this.hashes, row + 1);
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
  private readonly page = new RowPacker();
  /** Every row so far, by its index across the parts: its name and id (for the order), and whether it is still live. */
  private readonly names: string[] = [];
  private readonly ids: string[] = [];
  private dead = new Uint8Array(1024);
  private readonly latest = new LatestRow(this.ids);

  /** Decrypts one record's header into the current page; throws when it does not decrypt or check. */
  add(r: RowMeta, headerKey: Uint8Array): void {
    const header = decryptHeader(headerKey, r.id, r.revision, r.header);
    this.page.add(headerRow(r, header));
    this.supersede(r.id);
    const row = this.names.length;
    this.names.push(header.name);
    this.ids.push(r.id);
    this.dead = withRoom(this.dead, row + 1);
    this.latest.set(row);
  }

  /**
   * The current page's rows packed (FORMAT 4's packed rows: the caller zeroes them once sealed), or
   * null for a page without rows; a new page starts. `removed` leave the order.
   */
  takePage(removed: readonly string[]): Uint8Array | null {
    for (const id of removed) this.supersede(id);
    return this.page.count === 0 ? null : this.page.take();
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
