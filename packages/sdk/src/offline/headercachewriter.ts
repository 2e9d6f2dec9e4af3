/**
 * The header cache written by the sync itself (ADR 0076): while a sync builds a fresh offline file (a first
 * sync or a reset), the page applier hands over each record's header key as it unwraps it; the header is
 * decrypted once, there, instead of at the first unlock. Each page's rows go into that page's transaction as
 * one sealed part (`headers/<n>`); the last page adds the index: the generation and the list order (a
 * permutation, so no unlock sorts 100k names). Memory stays one page of rows plus a name and id per record.
 * Any failure (a header that does not decrypt: the unlock then reports it, as without a cache) only turns
 * the writer off.
 */
import type { StoredRecord } from '@safehold/store';
import { decryptHeader, sealHeaderCache, utf8 } from '../keys/index.js';
import { sortByName, sortLocale } from '../search.js';
import { CACHE_KEY, FORMAT, headerRow } from './headercache.js';

type Entry = readonly [string, Uint8Array];

export class HeaderCacheWriter {
  private page: unknown[] = [];
  /** Every row written so far, by its index across the parts: its name and id (for the order), and whether it is still live. */
  private readonly names: string[] = [];
  private readonly ids: string[] = [];
  private readonly live: boolean[] = [];
  private readonly at = new Map<string, number>();
  private parts = 0;
  private off = false;

  constructor(
    private readonly userKey: Uint8Array,
    private readonly user: string,
  ) {}

  /** Whether the writer still writes (false after a failure). */
  get active(): boolean {
    return !this.off;
  }

  /** One record of the page being prepared, with its (plain) header key; call before the key is zeroed. */
  add(r: Pick<StoredRecord, 'id' | 'revision' | 'masked' | 'rights' | 'updatedAt' | 'header'>, headerKey: Uint8Array): void {
    if (this.off) return;
    try {
      const header = decryptHeader(headerKey, r.id, r.revision, r.header);
      this.page.push(headerRow(r, header));
      this.supersede(r.id);
      this.at.set(r.id, this.names.length);
      this.names.push(header.name);
      this.ids.push(r.id);
      this.live.push(true);
    } catch {
      this.off = true;
    }
  }

  /**
   * The cache values of this page, for `applyPage({ cache })`: its part, and with `last` the index naming
   * the generation the store passes in. `removed`: the ids the page removes (a later delta page of the same
   * build), whose rows leave the order. Undefined once the writer is off.
   */
  entries(removed: readonly string[], last: boolean): ((generation: number) => Entry[]) | undefined {
    if (this.off) return undefined;
    for (const id of removed) this.supersede(id);
    const rows = this.page;
    this.page = [];
    return (generation) => {
      const out: Entry[] = [];
      if (rows.length > 0) {
        this.parts++;
        out.push([`${CACHE_KEY}/${this.parts}`, this.seal(rows)]);
      }
      if (last) out.push([CACHE_KEY, this.seal({ v: FORMAT, g: generation, l: sortLocale(), parts: this.parts, order: this.order() })]);
      return out;
    };
  }

  private supersede(id: string): void {
    const i = this.at.get(id);
    if (i !== undefined) this.live[i] = false;
    this.at.delete(id);
  }

  /** The indexes of the live rows in list order (the order sortByName gives a list). */
  private order(): number[] {
    const rows: Array<{ name: string; id: string; i: number }> = [];
    for (let i = 0; i < this.names.length; i++) {
      if (this.live[i]) rows.push({ name: this.names[i] as string, id: this.ids[i] as string, i });
    }
    return sortByName(rows).map((x) => x.i);
  }

  private seal(doc: unknown): Uint8Array {
    const plain = utf8(JSON.stringify(doc));
    try {
      return sealHeaderCache(this.userKey, this.user, plain);
    } finally {
      plain.fill(0);
    }
  }
}
