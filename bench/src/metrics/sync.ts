/**
 * The sync benchmarks, all through the real code paths: a real server (this process, HTTP on
 * 127.0.0.1, SQLite copied from the cached fixture) and the real SDK with real offline files in a
 * client worker process. See fixtures/vault.ts for the fixture and README.md for what each means.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MetricContext, MetricDef, Measured } from '../metric.js';
import { median, quantile } from '../stats.js';
import { serveCopy, vaultFixture, type VaultFixture } from '../fixtures/vault.js';
import { searchQueries } from '../fixtures/records.js';
import type { BenchServer } from '../env/server.js';
import { Worker } from '../worker/client.js';
import type { WorkerReply } from '../worker/protocol.js';

const SIZES = [1_000, 10_000, 100_000];
const BIG = [100_000];

export interface SyncedClient {
  fx: VaultFixture;
  server: BenchServer;
  worker: Worker;
  /** The client home (device) holding the offline database. */
  home: string;
  firstSyncMs: number;
  /** Server-side time spent in the first sync's requests (sum), and their count. */
  firstSyncServerMs: number;
  firstSyncRequests: number;
  peakRssMb: number | null;
  peakMethod: string;
  rssBeforeMb: number | null;
  info: WorkerReply['info'];
}

function need(n: number | null): number {
  if (n === null) throw new Error('this metric needs n');
  return n;
}

/** Starts a server on a copy of the fixture, logs a fresh client in, runs its first (manual) sync. */
async function freshFirstSync(ctx: MetricContext, n: number, label: string): Promise<SyncedClient> {
  const fx = await vaultFixture(ctx, n);
  const server = await serveCopy(ctx, fx, label);
  const worker = new Worker();
  ctx.onCleanup(() => worker.close());
  const home = path.join(ctx.tmpDir, `${label}-home`);
  await worker.send({ op: 'login', as: 'main', server: server.url, user: fx.user, db: fx.db, home, password: fx.password });
  server.record(true);
  const { samples, reply } = await worker.samples({ op: 'sync', reps: 1, peak: true });
  const timings = server.takeTimings();
  server.record(false);
  const total = reply.info?.['total'];
  if (total !== n) throw new Error(`first sync holds ${String(total)} records, expected ${n}`);
  return {
    fx,
    server,
    worker,
    home,
    firstSyncMs: samples[0] as number,
    firstSyncServerMs: timings.reduce((a, t) => a + t.ms, 0),
    firstSyncRequests: timings.length,
    peakRssMb: reply.peakRssMb ?? null, peakMethod: reply.peakMethod ?? '', rssBeforeMb: reply.rssBeforeMb ?? null, info: reply.info };
}

/** The synced client of size n shared by the metrics of this run. */
export function syncedClient(ctx: MetricContext, n: number): Promise<SyncedClient> {
  return ctx.shared(`synced@${n}`, () => freshFirstSync(ctx, n, `sync-${n}`));
}

/**
 * The first offline unlock after the shared client's first sync, taken right after it (before any other
 * metric's deltas, edits or pushes change the file: those make an unlock recheck and rewrite the cache,
 * which is `offline_unlock_ms`'s business, not the first contact's).
 */
function firstUnlock(ctx: MetricContext, n: number): Promise<number> {
  return firstUnlockRun(ctx, n).then((r) => r.ms);
}

/** The first unlock after the first sync: its wall time and the worker process's CPU time over it. */
function firstUnlockRun(ctx: MetricContext, n: number): Promise<{ ms: number; cpuMs: number }> {
  return ctx.shared(`first-unlock@${n}`, async () => {
    const c = await syncedClient(ctx, n);
    const { samples, reply } = await c.worker.samples({ op: 'unlock', reps: 1, server: c.server.url, user: c.fx.user, db: c.fx.db, home: c.home, password: c.fx.password });
    if (reply.info?.['records'] !== n) throw new Error(`offline unlock opened ${String(reply.info?.['records'])} records, expected ${n}`);
    return { ms: samples[0] as number, cpuMs: Number(reply.info['cpuFirstMs'] ?? 0) };
  });
}

/** The synced client's second device (same user), which edits records and does the naive full re-download. */
function editor(ctx: MetricContext, n: number): Promise<SyncedClient> {
  return ctx.shared(`editor@${n}`, async () => {
    const c = await syncedClient(ctx, n);
    await c.worker.send({
      op: 'login', as: 'editor', server: c.server.url, user: c.fx.user, db: c.fx.db, home: path.join(ctx.tmpDir, `editor-${n}-home`), password: c.fx.password,
    });
    return c;
  });
}

export const firstSync: MetricDef = {
  name: 'first_sync_ms',
  unit: 'ms',
  sizes: SIZES,
  // Issue 18: at most 2x the same run's crypto floor at 1k, 1.3x at 10k and 100k (and below 1.5 s / 7 s).
  target: (n) =>
    n === 1_000 ? { op: '<=', value: 2, ofBaseline: true }
    : n === 10_000 ? { op: '<=', value: 1.3, ofBaseline: true, below: 1500 }
    : n === 100_000 ? { op: '<=', value: 1.3, ofBaseline: true, below: 7000 }
    : null,
  baseline: 'crypto_floor_ms',
  async run(ctx, n) {
    const size = need(n);
    const shared = await syncedClient(ctx, size);
    const samples = [shared.firstSyncMs];
    // Further independent first syncs (fresh server copy, fresh device) where they are cheap.
    const extra = size >= 100_000 ? 0 : ctx.reps(3) - 1;
    for (let i = 0; i < extra; i++) {
      const c = await freshFirstSync(ctx, size, `first-${size}-${i}`);
      samples.push(c.firstSyncMs);
      await c.worker.close();
      await c.server.close();
    }
    return {
      value: median(samples),
      detail: {
        runs: samples.length,
        min: Math.min(...samples),
        // Where the time of the (first) measured sync went: server-side request time and request count, and the
        // client process's CPU time (its threads included), which a busy machine moves less than the wall time.
        serverMs: shared.firstSyncServerMs,
        ...(typeof shared.info?.['cpuMs'] === 'number' ? { clientCpuMs: shared.info['cpuMs'] } : {}),
        requests: shared.firstSyncRequests,
        fixtureHttpRecords: shared.fx.httpRecords,
      },
    };
  },
};

/**
 * Where the memory of a first sync goes: a second, untimed first sync (a fresh device of the same user
 * on the shared client's server, in its own worker process) with the memory sampler running beside it.
 * The timed sync reads only the kernel's peak, so the sampler's CPU never sits inside first_sync_ms.
 */
function memoryDetail(ctx: MetricContext, n: number): Promise<WorkerReply> {
  return ctx.shared(`rss-detail@${n}`, async () => {
    const c = await syncedClient(ctx, n);
    const worker = new Worker();
    try {
      await worker.send({ op: 'login', as: 'main', server: c.server.url, user: c.fx.user, db: c.fx.db, home: path.join(ctx.tmpDir, `rss-detail-${n}-home`), password: c.fx.password });
      const { reply } = await worker.samples({ op: 'sync', reps: 1, peak: true, detail: true });
      if (reply.info?.['total'] !== n) throw new Error(`the detail run's first sync holds ${String(reply.info?.['total'])} records, expected ${n}`);
      return reply;
    } finally {
      await worker.close();
    }
  });
}

export const clientSyncRss: MetricDef = {
  name: 'client_sync_rss_mb',
  unit: 'MiB',
  sizes: BIG,
  target: () => ({ op: '<', value: 150 }),
  async run(ctx, n) {
    const c = await syncedClient(ctx, need(n));
    // The first unlock after the first sync is taken now, before the later metrics change the file.
    await firstUnlock(ctx, need(n));
    if (c.peakRssMb === null) throw new Error('no RSS figure from the client worker');
    const d = await memoryDetail(ctx, need(n));
    const parts: Record<string, number> = {};
    for (const k of ['peakHeapUsedMb', 'peakHeapTotalMb', 'peakExternalMb', 'peakLargeObjectsMb', 'peakOldSpaceMb', 'peakRssAnonMb', 'peakRssFileMb']) {
      const v = d.info?.[k];
      if (typeof v === 'number') parts[k] = v;
    }
    return {
      value: c.peakRssMb,
      detail: {
        method: c.peakMethod,
        ...(c.rssBeforeMb !== null ? { rssBeforeMb: Math.round(c.rssBeforeMb * 10) / 10 } : {}),
        // The untimed detail run: its own peak (sampler running) and the parts sampled beside it.
        ...(d.peakRssMb !== undefined ? { detailRunPeakMb: Math.round(d.peakRssMb * 10) / 10 } : {}),
        ...parts,
      },
    };
  },
};

export const fullResync: MetricDef = {
  name: 'full_resync_ms',
  unit: 'ms',
  sizes: SIZES,
  baselineOnly: true,
  async run(ctx, n) {
    const size = need(n);
    const c = await editor(ctx, size);
    const { samples, reply } = await c.worker.samples({ op: 'fullResync', reps: size >= 100_000 ? ctx.reps(2) : ctx.reps(3), limit: 2000 });
    const records = reply.info?.['records'];
    if (records !== size) throw new Error(`full re-download gave ${String(records)} records, expected ${size}`);
    return { value: median(samples), detail: { runs: samples.length, pageLimit: 2000 } };
  },
};

interface NoChange {
  client: number[];
  server: number[];
  requestsPerSync: number;
}

function noChange(ctx: MetricContext, n: number): Promise<NoChange> {
  return ctx.shared(`nochange@${n}`, async () => {
    const c = await syncedClient(ctx, n);
    await c.worker.send({ op: 'sync', reps: 2, peak: false }); // warm: connections, JIT
    const reps = ctx.reps(40);
    c.server.record(true);
    const { samples, reply } = await c.worker.samples({ op: 'sync', reps, peak: false });
    const timings = c.server.takeTimings();
    c.server.record(false);
    if (reply.info?.['added'] !== 0 || reply.info?.['updated'] !== 0 || reply.info?.['removed'] !== 0) {
      throw new Error(`a no-change sync changed something: ${JSON.stringify(reply.info)}`);
    }
    const changes = timings.filter((t) => t.path.endsWith('/offline/changes')).map((t) => t.ms);
    if (changes.length === 0) throw new Error('no /offline/changes request reached the server');
    return { client: samples, server: changes, requestsPerSync: timings.length / reps };
  });
}

export const noChangeServer: MetricDef = {
  name: 'nochange_sync_server_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<', value: 5 }),
  baseline: 'full_resync_ms',
  async run(ctx, n) {
    const r = await noChange(ctx, need(n));
    return { value: median(r.server), detail: { runs: r.server.length, p99: quantile(r.server, 0.99), requestsPerSync: r.requestsPerSync } };
  },
};

export const noChangeClient: MetricDef = {
  name: 'nochange_sync_client_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<', value: 30 }),
  baseline: 'full_resync_ms',
  async run(ctx, n) {
    const r = await noChange(ctx, need(n));
    return { value: median(r.client), detail: { runs: r.client.length, p99: quantile(r.client, 0.99) } };
  },
};

export const delta100: MetricDef = {
  name: 'delta_100_changes_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<', value: 150 }),
  baseline: 'full_resync_ms',
  async run(ctx, n) {
    const size = need(n);
    const c = await editor(ctx, size);
    const count = Math.min(100, size);
    const samples: number[] = [];
    for (let round = 0; round < ctx.reps(5); round++) {
      await c.worker.send({ op: 'edit', count, round });
      const { samples: s, reply } = await c.worker.samples({ op: 'sync', reps: 1, peak: false });
      if (reply.info?.['updated'] !== count) throw new Error(`delta sync updated ${String(reply.info?.['updated'])} records, expected ${count}`);
      samples.push(s[0] as number);
    }
    return { value: median(samples), detail: { runs: samples.length, changes: count, min: Math.min(...samples) } };
  },
};

export const offlinePush1000: MetricDef = {
  name: 'offline_push_1000_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<', value: 2000 }),
  baseline: 'first_sync_ms',
  async run(ctx, n) {
    const size = need(n);
    const c = await syncedClient(ctx, size);
    const count = Math.min(1000, size);
    await c.server.admin.setUserRights(c.fx.user, c.fx.db, { offlineEdits: true });
    const q = await c.worker.send({ op: 'queueOffline', count });
    if (q.info?.['queued'] !== count) throw new Error(`queued ${String(q.info?.['queued'])} offline edits, expected ${count}`);
    // The sync pushes the outbox (each change its own server transaction, 100 per request), then pulls the changes back.
    c.server.record(true);
    const { samples, reply } = await c.worker.samples({ op: 'sync', reps: 1, peak: false });
    const timings = c.server.takeTimings();
    c.server.record(false);
    if (reply.info?.['pushed'] !== count) throw new Error(`the sync pushed ${String(reply.info?.['pushed'])} changes, expected ${count}`);
    const push = timings.filter((t) => t.path.endsWith('/offline/push'));
    return {
      value: samples[0] as number,
      detail: { changes: count, records: size, pushRequests: push.length, pushServerMs: Math.round(push.reduce((a, t) => a + t.ms, 0)), pulledUpdated: Number(reply.info?.['updated'] ?? 0) },
    };
  },
};

async function unlocked(ctx: MetricContext, n: number): Promise<{ c: SyncedClient; samples: number[]; cpuMs: number }> {
  return ctx.shared(`unlock@${n}`, async () => {
    const c = await syncedClient(ctx, n);
    const { samples, reply } = await c.worker.samples({
      // Later unlocks (after the other metrics' deltas and edits): the first of them rechecks what changed and may
      // write the cache back, the others read it (offline_unlock_ms takes those).
      op: 'unlock', reps: Math.max(2, ctx.reps(5)), server: c.server.url, user: c.fx.user, db: c.fx.db, home: c.home, password: c.fx.password,
    });
    if (reply.info?.['records'] !== n) throw new Error(`offline unlock opened ${String(reply.info?.['records'])} records, expected ${n}`);
    return { c, samples, cpuMs: Number(reply.info['cpuRestMedianMs'] ?? 0) };
  });
}

export const kdfFloor: MetricDef = {
  name: 'kdf_ms',
  unit: 'ms',
  sizes: BIG,
  baselineOnly: true,
  async run(ctx, n) {
    const c = await syncedClient(ctx, need(n));
    const { samples } = await c.worker.samples({ op: 'kdf', reps: ctx.reps(3) });
    return { value: median(samples), detail: { runs: samples.length } };
  },
};

export const firstUnlockAfterSync: MetricDef = {
  name: 'first_unlock_after_sync_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<', value: 1000 }),
  baseline: 'kdf_ms',
  async run(ctx, n) {
    const r = await firstUnlockRun(ctx, need(n));
    return { value: r.ms, detail: { runs: 1, cpuMs: r.cpuMs } };
  },
};

/**
 * first_contact_ms: what a user waits for on first contact with a vault: the first sync plus the first
 * offline unlock after it (issue 18: at most 1.5x the same run's crypto floor in all).
 */
export const firstContact: MetricDef = {
  name: 'first_contact_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<=', value: 1.5, ofBaseline: true }),
  baseline: 'crypto_floor_ms',
  async run(ctx, n) {
    const size = need(n);
    const c = await syncedClient(ctx, size);
    const unlock = await firstUnlock(ctx, size);
    return { value: c.firstSyncMs + unlock, detail: { firstSyncMs: c.firstSyncMs, firstUnlockMs: unlock } };
  },
};

export const offlineUnlock: MetricDef = {
  name: 'offline_unlock_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<', value: 400 }),
  baseline: 'kdf_ms',
  async run(ctx, n) {
    const { samples, cpuMs } = await unlocked(ctx, need(n));
    const warm = samples.slice(1);
    return { value: median(warm), detail: { runs: warm.length, min: Math.min(...warm), cpuMs } };
  },
};

export const offlineSearchP95: MetricDef = {
  name: 'offline_search_p95_ms',
  unit: 'ms',
  sizes: BIG,
  target: () => ({ op: '<', value: 10 }),
  async run(ctx, n): Promise<Measured> {
    const { c } = await unlocked(ctx, need(n));
    const queries = searchQueries(ctx.opts.seed, 40);
    const size = need(n);
    const { samples, reply } = await c.worker.samples({ op: 'search', queries, reps: size >= 100_000 ? ctx.reps(2) : ctx.reps(5) });
    return { value: quantile(samples, 0.95), detail: { searches: samples.length, p50: median(samples), max: Math.max(...samples), hits: reply.info?.['hits'] ?? 0 } };
  },
};

/** The synced client's home dir, for the CLI benchmarks. */
export async function syncedHome(ctx: MetricContext, n: number): Promise<{ home: string; server: string; fx: VaultFixture }> {
  const c = await syncedClient(ctx, n);
  if (!fs.existsSync(c.home)) throw new Error('synced home is gone');
  return { home: c.home, server: c.server.url, fx: c.fx };
}
