/**
 * The header cache written by the sync itself (ADR 0076): while a sync builds a fresh offline file (a first
 * sync or a reset), the page applier hands over each record's header key as it unwraps it; the header is
 * decrypted once, there, instead of at the first unlock. Each page's rows go into that page's transaction as
 * one sealed part (`headers/<n>`); the last page adds the index: the generation and the list order (a
 * permutation, so no unlock sorts 100k names). Memory stays one page of rows plus a name and id per record.
 * Any failure (a header that does not decrypt: the unlock then reports it, as without a cache) only turns
 * the writer off.
 */
import { CACHE_KEY, sealIndex, sealPlain } from './headercache.js';
import { HeaderRows, type RowMeta } from './headerrows.js';

export type Entry = readonly [string, Uint8Array];

/** The cache values of one page, given the generation the store passes in while it applies the page (called once, in its transaction). */
export type PageEntries = (generation: number) => Entry[];

/** What the sync feeds (the writer below on its own thread, or ThreadedHeaderCacheWriter). */
export interface HeaderCacheSink {
  readonly active: boolean;
  add(r: RowMeta, headerKey: Uint8Array): void;
  entries(removed: readonly string[], last: boolean): PageEntries | undefined | Promise<PageEntries | undefined>;
  close(): void;
}

/** The index value (generation, locale, part count, list order), sealed under the user key. */
export function indexEntry(userKey: Uint8Array, user: string, generation: number, parts: number, order: number[]): Entry {
  return [CACHE_KEY, sealIndex(userKey, user, generation, parts, order)];
}

export class HeaderCacheWriter implements HeaderCacheSink {
  private readonly rows = new HeaderRows();
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
  add(r: RowMeta, headerKey: Uint8Array): void {
    if (this.off) return;
    try {
      this.rows.add(r, headerKey);
    } catch {
      this.off = true;
      this.rows.clear();
    }
  }

  /**
   * The cache values of this page, for `applyPage({ cache })`: its part, and with `last` the index naming
   * the generation the store passes in. `removed`: the ids the page removes (a later delta page of the same
   * build), whose rows leave the order. Undefined once the writer is off.
   */
  entries(removed: readonly string[], last: boolean): PageEntries | undefined {
    if (this.off) return undefined;
    const page = this.rows.takePage(removed);
    return (generation) => {
      const out: Entry[] = [];
      if (page) {
        this.parts++;
        out.push([`${CACHE_KEY}/${this.parts}`, sealPlain(this.userKey, this.user, page)]);
      }
      if (last) out.push(indexEntry(this.userKey, this.user, generation, this.parts, this.rows.order()));
      return out;
    };
  }

  close(): void {}
}
