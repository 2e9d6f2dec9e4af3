/**
 * The header cache writer of a large fresh sync (ADR 0095): the same cache as HeaderCacheWriter (ADR 0076),
 * with the header decrypts, rows and seals on a worker thread (headercacheworker.ts), so that a first sync
 * of 100k records uses a second core for them instead of adding them to the sync's own thread.
 * Each page goes over as a few packed buffers, transferred, not copied (session 7: not a page of
 * structured-cloned objects each with its own ArrayBuffer): the header keys (zeroed by the thread once
 * used; the sync's thread zeroes its own copies as before), the records' ids, revisions, update times and
 * header ciphertexts, their ends, and their rights and mask. A part comes back while later pages are
 * applied and is stored in the next page's transaction; the last page waits for every part and the order,
 * and stores the index with them. As with the writer on the sync's thread, any failure only turns the cache
 * off (an interrupted sync leaves parts without an index, which no unlock reads).
 */
import { Worker } from 'node:worker_threads';
import { RIGHTS } from '@safehold/protocol';
import type { RowMeta } from './headerrows.js';
import { CACHE_KEY } from './headercache.js';
import { withRoom } from './grow.js';
import { indexEntry, type Entry, type HeaderCacheSink, type PageEntries } from './headercachewriter.js';

/**
 * One page, packed. Record i: its header key is `keys[32i, 32i+32)`; `data` holds its id, revision, update
 * time (UTF-8) and header ciphertext one after the other, each ending at `ends[4i]`..`ends[4i+3]` (it starts
 * where record i-1 ends); `flags[i]` is its rights as a bit set over RIGHTS, with bit 7 for masked.
 */
export interface PackedPage {
  type: 'page';
  count: number;
  keys: Uint8Array;
  data: Uint8Array;
  ends: Uint32Array;
  flags: Uint8Array;
  removed: readonly string[];
}

export type ToCacheThread = PackedPage | { type: 'finish' } | { type: 'close' };

export type FromCacheThread = { type: 'part'; part: Uint8Array | null } | { type: 'order'; order: number[] } | { type: 'failed' };

export const MASKED_BIT = 0x80;

const KEY_LEN = 32;

/**
 * The thread's heap (ADR 0095, sessions 6 and 7). With V8's defaults its young generation grows to 32 MiB and
 * the old space collects late: a second heap as large as the sync's own (56–60 MiB at 100k). A young
 * generation of 12 MiB (new space 8) bounds the first; 6 MiB (new space 4) cost the 100k first sync about
 * 2 s of client CPU on a quiet machine (session 7: 7.4–8.0 s against 5.2–5.9 s), for no measured memory
 * gain. The old space's live set is the rows' names and ids and the id table (about 0.1 KiB a record at
 * 100k); the bound, twice an older, larger estimate plus a base, is kept. Reaching it ends the thread with
 * ERR_WORKER_OUT_OF_MEMORY, which, like any failure of the thread, only turns the cache off.
 */
export function cacheThreadLimits(total: number): { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } {
  return { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 32 + Math.ceil(total / 1600) };
}

export class ThreadedHeaderCacheWriter implements HeaderCacheSink {
  private readonly worker: Worker;
  private count = 0;
  private keys = new Uint8Array(KEY_LEN * 1024);
  private data = new Uint8Array(512 * 1024);
  private used = 0;
  private ends = new Uint32Array(4 * 1024);
  private flags = new Uint8Array(1024);
  private readonly encoder = new TextEncoder();
  /** Parts come back in page order; numbered as they arrive (pages without rows get none). */
  private ready: Uint8Array[] = [];
  private parts = 0;
  private off = false;
  private closed = false;
  private finished: ((order: number[] | null) => void) | null = null;

  /** `total`: the records the server announced for the fresh file (the thread's heap is sized from it). */
  constructor(
    private readonly userKey: Uint8Array,
    private readonly user: string,
    total: number,
  ) {
    this.worker = new Worker(new URL('./headercacheworker.js', import.meta.url), { workerData: { userKey, user }, resourceLimits: cacheThreadLimits(total) });
    // Never the reason the process stays alive.
    this.worker.unref();
    this.worker.on('message', (m: FromCacheThread) => {
      if (m.type === 'part') {
        if (m.part) this.ready.push(m.part);
      } else if (m.type === 'order') {
        this.finished?.(m.order);
      } else {
        this.fail();
      }
    });
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => {
      if (!this.closed) this.fail();
    });
  }

  get active(): boolean {
    return !this.off;
  }

  /** One record of the page being prepared, with its (plain) header key: copied, so the caller zeroes its own. */
  add(r: RowMeta, headerKey: Uint8Array): void {
    if (this.off) return;
    let flags = r.masked ? MASKED_BIT : 0;
    for (const x of r.rights) {
      const bit = RIGHTS.indexOf(x as (typeof RIGHTS)[number]);
      // Never for a checked wire record; the row could not say it, so no cache rather than a wrong one.
      if (bit < 0) return this.fail();
      flags |= 1 << bit;
    }
    const i = this.count;
    this.keys = withRoom(this.keys, (i + 1) * KEY_LEN, i * KEY_LEN, true);
    this.ends = withRoom(this.ends, 4 * i + 4, 4 * i);
    this.flags = withRoom(this.flags, i + 1, i);
    this.keys.set(headerKey.subarray(0, KEY_LEN), i * KEY_LEN);
    this.flags[i] = flags;
    this.ends[4 * i] = this.put(r.id);
    this.ends[4 * i + 1] = this.put(r.revision);
    this.ends[4 * i + 2] = this.put(r.updatedAt);
    this.room(r.header.byteLength);
    this.data.set(r.header, this.used);
    this.used += r.header.byteLength;
    this.ends[4 * i + 3] = this.used;
    this.count++;
  }

  /** This page's cache values: the parts that came back so far and, on the last page, every part left and the index. */
  async entries(removed: readonly string[], last: boolean): Promise<PageEntries | undefined> {
    if (this.off) return undefined;
    const page: PackedPage = { type: 'page', count: this.count, keys: this.keys, data: this.data, ends: this.ends, flags: this.flags, removed };
    const sizes = [this.keys.byteLength, this.data.byteLength, this.ends.length, this.flags.length] as const;
    // The buffers go to the thread as they are (transferred: nothing of them stays here); the next page gets new ones.
    this.post(page, [this.keys.buffer, this.data.buffer, this.ends.buffer, this.flags.buffer]);
    // Not handed over (the post failed): the keys are zeroed here.
    if (page.keys.byteLength > 0) page.keys.fill(0);
    this.keys = new Uint8Array(sizes[0]);
    this.data = new Uint8Array(sizes[1]);
    this.ends = new Uint32Array(sizes[2]);
    this.flags = new Uint8Array(sizes[3]);
    this.count = 0;
    this.used = 0;
    if (!last) return this.stored(null);
    const order = await new Promise<number[] | null>((resolve) => {
      this.finished = resolve;
      this.post({ type: 'finish' });
    });
    this.finished = null;
    if (this.off || !order) return undefined;
    return this.stored(order);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.keys.fill(0);
    this.post({ type: 'close' });
    this.finished?.(null);
  }

  /** The parts ready now (numbered now, in order) and, with `order`, the index after them. */
  private stored(order: number[] | null): PageEntries {
    const parts = this.ready;
    this.ready = [];
    const first = this.parts + 1;
    this.parts += parts.length;
    const count = this.parts;
    return (generation) => {
      const out: Entry[] = parts.map((p, i) => [`${CACHE_KEY}/${first + i}`, p] as const);
      if (order) out.push(indexEntry(this.userKey, this.user, generation, count, order));
      return out;
    };
  }

  /** Writes `s` (UTF-8) at the end of the page's data; returns where it ends. */
  private put(s: string): number {
    this.room(s.length * 3);
    this.used += this.encoder.encodeInto(s, this.data.subarray(this.used)).written;
    return this.used;
  }

  private room(n: number): void {
    this.data = withRoom(this.data, this.used + n, this.used);
  }

  private post(m: ToCacheThread, transfer: ArrayBuffer[] = []): void {
    try {
      this.worker.postMessage(m, transfer);
    } catch {
      this.fail();
    }
  }

  private fail(): void {
    this.off = true;
    this.keys.fill(0);
    this.finished?.(null);
  }
}
