/**
 * The reference model's client: the core page applier over in-memory files (id -> record, and the
 * cursor). A run may be cut after any page request, with or without applying its answer, as a crash
 * or a lost connection would; the next run resumes from what the files hold.
 */
import { PageApplier, diffRevisions, type AppliedPage, type PageFiles, type SyncCounts } from '@safehold/domain';
import type { ModelPage, ModelWire } from './server.js';

/** What a memory file keeps of a record. */
export interface Revisioned {
  id: string;
  revision: string;
}

/** An in-memory offline file. */
export interface MemoryFile<R extends Revisioned> {
  records: Map<string, R>;
  cursor: string;
}

/** The applier's file operations on memory files; each apply is all-or-nothing, like a local transaction. */
export function memoryFiles<R extends Revisioned>(): PageFiles<MemoryFile<R>, AppliedPage<R>> {
  return {
    createBuild: () => ({ records: new Map(), cursor: '0' }),
    apply(into, page) {
      const c: SyncCounts = { added: 0, updated: 0, removed: 0 };
      for (const r of page.records) {
        if (into.records.has(r.id)) c.updated++;
        else c.added++;
        into.records.set(r.id, r);
      }
      for (const id of page.removed) if (into.records.delete(id)) c.removed++;
      into.cursor = page.cursor;
      return c;
    },
    swap(build, main) {
      const revs = (f: MemoryFile<R>) => new Map([...f.records].map(([id, r]) => [id, r.revision]));
      return { main: build, diff: diffRevisions(main ? revs(main) : null, revs(build)) };
    },
    cursorOf: (f) => f.cursor,
  };
}

/** Where a run stops: never (run to the end), or after the n-th page request, its answer applied or lost. */
export type Cut = { afterPages: number; applyLast: boolean } | null;

export interface RunResult {
  finished: boolean;
  counts: SyncCounts;
  /** Every id named as removed during the run. */
  removed: string[];
}

/** A device holding a main file and, while a rebuild is under way, a build file. */
export class ModelClient<P> {
  main: MemoryFile<ModelWire<P>> | null = null;
  build: MemoryFile<ModelWire<P>> | null = null;
  private readonly files = memoryFiles<ModelWire<P>>();

  constructor(private readonly fetch: (cursor: string) => Promise<ModelPage<P>>) {}

  ids(): string[] {
    return [...(this.main?.records.keys() ?? [])].sort();
  }

  /** One sync run; with a cut, it stops as a crash would (the files keep what was applied). */
  async run(cut: Cut = null, maxPages = 10_000): Promise<RunResult> {
    const applier = new PageApplier(this.files, { main: this.main, build: this.build });
    const removed: string[] = [];
    for (let n = 1; n <= maxPages; n++) {
      const page = await this.fetch(applier.cursor());
      const last = cut !== null && n >= cut.afterPages;
      if (last && !cut.applyLast) return this.stop(applier, removed, false);
      removed.push(...page.removed);
      applier.apply(page satisfies AppliedPage<ModelWire<P>>);
      if (!page.hasMore) {
        this.main = applier.result();
        this.build = null;
        return { finished: true, counts: applier.counts, removed };
      }
      if (last) return this.stop(applier, removed, false);
    }
    throw new Error('model client: the sync did not end');
  }

  private stop(applier: PageApplier<MemoryFile<ModelWire<P>>, AppliedPage<ModelWire<P>>>, removed: string[], finished: boolean): RunResult {
    const { main, build } = applier.openFiles();
    this.main = main;
    this.build = build;
    return { finished, counts: applier.counts, removed };
  }
}
