/**
 * The header cache writer of a large fresh sync (ADR 0095): the same cache as HeaderCacheWriter (ADR 0076),
 * with the header decrypts, rows and seals on a worker thread (headercacheworker.ts), so that a first sync
 * of 100k records uses a second core for them instead of adding them to the sync's own thread.
 * Each page's header keys are copied into one buffer handed over to the thread (and zeroed there); the
 * sync's thread zeroes its own copies as before. A part comes back while later pages are applied and is
 * stored in the next page's transaction; the last page waits for every part and the order, and stores the
 * index with them. As with the writer on the sync's thread, any failure only turns the cache off (an
 * interrupted sync leaves parts without an index, which no unlock reads).
 */
import { Worker } from 'node:worker_threads';
import type { RowMeta } from './headerrows.js';
import { CACHE_KEY } from './headercache.js';
import { indexEntry, type Entry, type HeaderCacheSink, type PageEntries } from './headercachewriter.js';

export type ToCacheThread =
  | { type: 'page'; records: RowMeta[]; keys: Uint8Array; removed: readonly string[] }
  | { type: 'finish' }
  | { type: 'close' };

export type FromCacheThread = { type: 'part'; part: Uint8Array | null } | { type: 'order'; order: number[] } | { type: 'failed' };

const KEY_LEN = 32;

/**
 * The thread's heap (ADR 0095, session 6). With V8's defaults its young generation grows to 32 MiB and the
 * old space collects late: a second heap as large as the sync's own (56–60 MiB at 100k). A smaller young
 * generation (new space 8 MiB) alone only promotes each page's garbage into the old space; bounded too,
 * the old space is collected as it fills (6 MiB measured about the same peak). Its live set is
 * the rows' names, ids and order map (about 0.3 KiB a record at 100k, the page in flight included), so the
 * bound is twice that plus a base. Reaching it ends the thread
 * with ERR_WORKER_OUT_OF_MEMORY, which, like any failure of the thread, only turns the cache off.
 */
export function cacheThreadLimits(total: number): { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } {
  return { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 32 + Math.ceil(total / 1600) };
}

export class ThreadedHeaderCacheWriter implements HeaderCacheSink {
  private readonly worker: Worker;
  private records: RowMeta[] = [];
  private keys = new Uint8Array(KEY_LEN * 1024);
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
    const at = this.records.length * KEY_LEN;
    if (at + KEY_LEN > this.keys.byteLength) {
      const bigger = new Uint8Array(this.keys.byteLength * 2);
      bigger.set(this.keys);
      this.keys.fill(0);
      this.keys = bigger;
    }
    this.keys.set(headerKey.subarray(0, KEY_LEN), at);
    this.records.push({ id: r.id, revision: r.revision, masked: r.masked, rights: r.rights, updatedAt: r.updatedAt, header: r.header });
  }

  /** This page's cache values: the parts that came back so far and, on the last page, every part left and the index. */
  async entries(removed: readonly string[], last: boolean): Promise<PageEntries | undefined> {
    if (this.off) return undefined;
    const keys = this.keys.slice(0, this.records.length * KEY_LEN);
    this.keys.fill(0);
    this.post({ type: 'page', records: this.records, keys, removed }, [keys.buffer]);
    this.records = [];
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

  private post(m: ToCacheThread, transfer: ArrayBuffer[] = []): void {
    try {
      this.worker.postMessage(m, transfer);
    } catch {
      this.fail();
    }
  }

  private fail(): void {
    this.off = true;
    this.finished?.(null);
  }
}
