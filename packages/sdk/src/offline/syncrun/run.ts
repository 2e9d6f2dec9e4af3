/**
 * One sync run of an offline database (R3, R10, E3, E5), as the adapter of the domain's page applier:
 * push the outbox, then pull pages (pipelined), each checked (lease), prepared (keys), applied by the
 * applier into the main file or a rebuild (swapped in at the end), and its keys offered for adoption.
 */
import { PageApplier } from '@safehold/domain';
import type { LeasePayload } from '@safehold/protocol/api';
import { OfflineStore, removeIfExists, sqliteFiles, writeJson } from '@safehold/store';
import { existsSync } from 'node:fs';
import { statusOf } from '../locate.js';
import { isRefusal } from '../wipe.js';
import { pushOutbox, type PushCounts } from '../push.js';
import { KeyAdopter } from './adopt.js';
import { storeFiles, type StorePage } from './files.js';
import { checkLease } from './lease.js';
import { PageStream, type ChangesPage } from './pages.js';
import { RecordPreparer } from './records.js';
import type { RunState } from './state.js';
import { afterSuccess } from './status.js';
import { HeaderCacheWriter, type HeaderCacheSink } from '../headercachewriter.js';
import { ThreadedHeaderCacheWriter } from '../headercachethread.js';
import { sortLocale } from '../../search.js';

/** Records from which a fresh file's header cache is written on its own thread (ADR 0095). */
const HEADER_CACHE_THREAD_FROM = 5000;

/** Progress task name of the SDK events (R10). */
export const SYNC_TASK = 'offline-sync';

/** spec §3.2 `offline sync --json`. */
export interface OfflineSyncResult {
  db: string;
  added: number;
  updated: number;
  removed: number;
  total: number;
  durationMs: number;
  cursor: string;
  /** E5: queued offline changes the server settled (merged conflicts included), conflicts, rejections. */
  pushed: number;
  conflicts: number;
  rejected: number;
}

export class SyncRun {
  private applier: PageApplier<OfflineStore, StorePage> | null = null;
  private readonly start: number;
  private pushCounts: PushCounts = { pushed: 0, conflicts: 0, rejected: 0 };
  /** Queued changes still unpushed when the server refused this device (reported if a wipe follows). */
  private unpushed = 0;
  /** The refusal of the push, kept until the first page says whether a wipe order follows. */
  private pushError: unknown = null;

  constructor(private readonly s: RunState) {
    this.start = s.ctx.clock();
  }

  /** Writes the header cache while a fresh file is built (ADR 0076, 0095); a resumed rebuild has none. */
  private headerCache: HeaderCacheSink | null = null;

  /** Closes whatever file is open (after success, the main file; after a failure, both), and the header cache writer. */
  close(): void {
    this.headerCache?.close();
    this.headerCache = null;
    const files = this.applier?.openFiles();
    files?.main?.close();
    files?.build?.close();
    this.applier = null;
  }

  async execute(mainExists: boolean): Promise<OfflineSyncResult> {
    const { ctx, target } = this.s;
    const main = mainExists ? OfflineStore.open(target.paths.file, this.s.fileKey) : null;
    const applier = new PageApplier(storeFiles(this.s), { main, build: this.resumableBuild() });
    this.applier = applier;
    // E5: the queued offline changes go first, in order; the pull only runs on an empty outbox, so it can
    // never overwrite a local change that is not on the server yet.
    if (main) await this.push(main);
    const stream = new PageStream(this.s, {
      beforeWipe: () => {
        this.unpushed = Math.max(this.unpushed, applier.openFiles().main?.outbox().length ?? 0);
        this.close();
      },
      afterWipe: () => this.warnUnpushed(),
    });
    const preparer = new RecordPreparer(ctx, this.s.db);
    const adopter = new KeyAdopter(ctx, this.s.db);
    let cursor = applier.cursor();
    // A first sync (no file, no rebuild to resume) asks for its first page before it makes the new file: the
    // server builds that page while this process writes the sidecar and creates the file (ADR 0144).
    let early = false;
    const hadSidecar = this.s.sidecar !== null;
    if (!main && applier.state === 'main') {
      await stream.prefetch(cursor);
      early = applier.startBuild();
      // The collator the header cache's list order needs at the end is made now, while the page is on its way.
      sortLocale();
      await stream.prepareAnswer();
    }
    let done = 0;
    let lease: LeasePayload | null = null;
    for (let first = true; ; first = false) {
      let page: ChangesPage;
      try {
        page = await stream.next(cursor);
        // The push was refused and no wipe order came: the queued changes stay, and nothing is pulled over them.
        if (this.pushError !== null) throw this.pushError;
        if (page.hasMore) await stream.prefetch(page.cursor);
        lease = await checkLease(this.s, page.lease);
      } catch (e) {
        // A first page that never came (refused, unreachable, not validly signed) leaves nothing behind, as before
        // the file was made early: no empty rebuild, and no sidecar this run wrote.
        if (first && early) this.discardEarlyBuild(applier, hadSidecar);
        throw e;
      }
      // A page that starts a fresh file (first sync or reset) also starts its header cache.
      const fresh = (first && early) || (applier.state === 'main' && (page.reset || !applier.openFiles().main));
      if (fresh) this.startHeaderCache(page.total);
      const headerCache = this.headerCache;
      const prepared = await preparer.prepare(page.records, page.removed, headerCache);
      const intoBuild = fresh || applier.state === 'rebuild';
      const entries = intoBuild ? headerCache?.entries(prepared.removed, !page.hasMore) : undefined;
      const base = { reset: page.reset, cursor: page.cursor, lease: page.lease };
      if (entries instanceof Promise && !page.hasMore) {
        // The last page of a cache written on its own thread: its records go into the rebuild while the thread
        // decrypts their headers and orders the list; the index follows in an empty page that ends the rebuild
        // (and swaps it in). Interrupted between the two, the rebuild resumes from this page's cursor and is
        // swapped in without an index: the first unlock then decrypts every header (ADR 0144, session 10).
        applier.apply({ ...base, hasMore: true, records: prepared.records, removed: prepared.removed, now: ctx.clock() });
        const cache = await entries;
        applier.apply({ ...base, reset: false, hasMore: false, records: [], removed: [], now: ctx.clock(), ...(cache ? { cache } : {}) });
      } else {
        const cache = await entries;
        applier.apply({ ...base, hasMore: page.hasMore, records: prepared.records, removed: prepared.removed, now: ctx.clock(), ...(cache ? { cache } : {}) });
      }
      await adopter.adopt(prepared.adopt);
      done += page.records.length;
      ctx.events.progress(SYNC_TASK, done, page.total ?? null);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    const file = applier.result();
    const total = file.count();
    afterSuccess(this.s, lease, total, file.outbox().length);
    return { db: this.s.db, ...applier.counts, total, durationMs: Math.max(0, ctx.clock() - this.start), cursor, ...this.pushCounts };
  }

  /**
   * A fresh file's header cache: written beside the sync on a worker thread from `headerCacheThreadFrom`
   * records on (ADR 0095: a second core for the header decrypts), on the sync's own thread below that
   * (a thread's start costs more than a small vault's headers).
   */
  private startHeaderCache(total: number | null): void {
    this.headerCache?.close();
    const { ctx, target } = this.s;
    const threaded = total !== null && total >= (this.s.headerCacheThreadFrom ?? HEADER_CACHE_THREAD_FROM);
    this.headerCache = threaded
      ? new ThreadedHeaderCacheWriter(ctx.keyring.userKey, target.ident.user, total)
      : new HeaderCacheWriter(ctx.keyring.userKey, target.ident.user);
  }

  /** Closes and removes the rebuild made ahead of a first page that never came, and the sidecar if this run wrote it. */
  private discardEarlyBuild(applier: PageApplier<OfflineStore, StorePage>, hadSidecar: boolean): void {
    applier.discardBuild()?.close();
    const { paths } = this.s.target;
    for (const p of sqliteFiles(paths.build)) removeIfExists(p);
    if (!hadSidecar) {
      removeIfExists(paths.sidecar);
      this.s.sidecar = null;
    }
  }

  /** An interrupted rebuild (or an interrupted first sync) resumes from its own cursor; one that cannot be opened is discarded. */
  private resumableBuild(): OfflineStore | null {
    const { paths } = this.s.target;
    if (!this.s.sidecar || !existsSync(paths.build)) return null;
    try {
      return OfflineStore.open(paths.build, this.s.fileKey, { build: true });
    } catch {
      for (const p of sqliteFiles(paths.build)) removeIfExists(p);
      return null;
    }
  }

  /** Pushes the outbox. A refusal of this device or user falls through to the pull, which fetches any wipe order. */
  private async push(main: OfflineStore): Promise<void> {
    if (main.outbox().length === 0) return;
    try {
      // The plain status file follows each settled batch, so an interrupted push leaves the right count.
      this.pushCounts = await pushOutbox(this.s.ctx, main, this.s.db, (left) => {
        const st = statusOf(this.s.target);
        if (st) writeJson(this.s.target.paths.status, { ...st, pending: left });
      });
    } catch (e) {
      if (!isRefusal(e)) throw e;
      this.unpushed = main.outbox().length;
      this.pushError = e;
    }
  }

  /** A wipe destroys what was not pushed: said to the user, with the count (never the contents). */
  private warnUnpushed(): void {
    if (this.unpushed > 0) {
      this.s.ctx.events.warning(`${this.unpushed} queued offline change(s) were refused by the server and destroyed with the offline database by the wipe order`);
    }
  }
}

