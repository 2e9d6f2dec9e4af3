/**
 * The client's page applier (R3, E3): a small state machine over two files, the main one and a
 * rebuild. A page is applied into the rebuild while one is under way (a reset, or a first sync with no
 * main file), else into the main file; the last page of a rebuild swaps it in. Counts are those a user
 * sees: pages applied to the main file count themselves, a swap counts the difference to the old file.
 * All I/O (opening, writing, committing files) is behind `PageFiles`; the applier holds no records.
 */

/** The counts of `offline sync` (spec §3.2). */
export interface SyncCounts {
  added: number;
  updated: number;
  removed: number;
}

/** What the applier reads of a page; the rest (records, removals, lease) is the adapter's. */
export interface PageShape {
  reset: boolean;
  hasMore: boolean;
  cursor: string;
}

/** A page of records (already opened and re-wrapped by the adapter) and removed ids. */
export interface AppliedPage<R> extends PageShape {
  records: readonly R[];
  removed: readonly string[];
}

/** The file operations the applier drives. `F` is an open file, `P` a page. */
export interface PageFiles<F, P extends PageShape> {
  /** A fresh, empty rebuild file (its sidecar already written). */
  createBuild(): F;
  /** Applies one page to `into` with its cursor, in one local transaction; returns its counts. */
  apply(into: F, page: P): SyncCounts;
  /** Commits a complete rebuild as the main file (replacing `main` if any) and returns the new main file. */
  swap(build: F, main: F | null): { main: F; diff: SyncCounts };
  /** The cursor stored in a file. */
  cursorOf(file: F): string;
}

export type ApplierState = 'main' | 'rebuild' | 'done';

const zeroCounts = (): SyncCounts => ({ added: 0, updated: 0, removed: 0 });

export class PageApplier<F, P extends PageShape> {
  private main: F | null;
  private build: F | null;
  readonly counts: SyncCounts = zeroCounts();
  private finished = false;

  /** `main` and `build` are the files found on disk (a build left by an interrupted run is resumed). */
  constructor(
    private readonly files: PageFiles<F, P>,
    found: { main: F | null; build: F | null },
  ) {
    this.main = found.main;
    this.build = found.build;
  }

  get state(): ApplierState {
    if (this.finished) return 'done';
    return this.build ? 'rebuild' : 'main';
  }

  /** The cursor to ask the server with: the rebuild's own while one is under way, else the main file's, else the start. */
  cursor(): string {
    const f = this.build ?? this.main;
    return f === null ? '0' : this.files.cursorOf(f);
  }

  /**
   * Creates the rebuild ahead of the first page when there is nothing to sync into (no main file, no
   * rebuild to resume): a first sync always builds one, so it can be made while that page is on its way.
   * True when it made one (the caller owns undoing it if the first page never comes: discardBuild()).
   */
  startBuild(): boolean {
    if (this.finished || this.main !== null || this.build !== null) return false;
    this.build = this.files.createBuild();
    return true;
  }

  /** Forgets the rebuild (after the caller closed and removed it); the applier is back where it started. */
  discardBuild(): F | null {
    const b = this.build;
    this.build = null;
    return b;
  }

  /** Applies one page; the last page of a rebuild swaps it in. */
  apply(page: P): void {
    if (this.finished) throw new Error('page applier: the sync already ended');
    if (!this.build && (page.reset || !this.main)) this.build = this.files.createBuild();
    if (this.build) {
      this.files.apply(this.build, page);
    } else {
      add(this.counts, this.files.apply(this.main as F, page));
    }
    if (!page.hasMore) {
      if (this.build) {
        const r = this.files.swap(this.build, this.main);
        add(this.counts, r.diff);
        this.main = r.main;
        this.build = null;
      }
      this.finished = true;
    }
  }

  /** The main file after the last page (the caller closes it). */
  result(): F {
    if (!this.finished || this.main === null) throw new Error('page applier: the sync has not ended');
    return this.main;
  }

  /** The files as they stand (after a failure: what the caller must close, and what the next run resumes). */
  openFiles(): { main: F | null; build: F | null } {
    return { main: this.main, build: this.build };
  }
}

function add(into: SyncCounts, c: SyncCounts): void {
  into.added += c.added;
  into.updated += c.updated;
  into.removed += c.removed;
}

/** The counts of replacing a file of `oldRevs` (id -> revision) by one of `newRevs`. */
export function diffRevisions(oldRevs: ReadonlyMap<string, string> | null, newRevs: ReadonlyMap<string, string>): SyncCounts {
  const c = zeroCounts();
  if (oldRevs === null) {
    c.added = newRevs.size;
    return c;
  }
  for (const [id, rev] of newRevs) {
    const old = oldRevs.get(id);
    if (old === undefined) c.added++;
    else if (old !== rev) c.updated++;
  }
  for (const id of oldRevs.keys()) if (!newRevs.has(id)) c.removed++;
  return c;
}
