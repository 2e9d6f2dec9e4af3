/**
 * `node bench/dist/profile.js N sync|nochange|unlock|coldunlock|search`: a CPU profile (V8 sampling, in process)
 * of one first sync, 20 no-change syncs, one offline unlock or 40 searches on the cached N-record fixture (run `npm run bench`
 * once first to build it), printed as the functions with the most self time. For finding what
 * makes a ratio bad; server and client share this process here, unlike in the benchmarks.
 * `node bench/dist/profile.js 0 load`: the server's profile (SQLite) under the 500-client
 * no-change load of server_nochange_syncs_per_s (the load generator is its own process, as there).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import inspector from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { Home, login, searchRecords, type RecordView } from '@safehold/sdk';
import { startBenchServer } from './env/server.js';
import { offlineApi } from './worker/offline-api.js';
import { BENCH_PASSWORD } from './fixtures/kdbx.js';
import { FIXTURE_DB, FIXTURE_USER } from './fixtures/vault.js';
import { DEFAULT_SEED } from './args.js';
import { searchQueries } from './fixtures/records.js';
import { nowMs } from './stats.js';
import type { MetricContext } from './metric.js';
import { LOAD_DB, LOAD_USER, loadServer, runLoad, shape } from './metrics/load.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

function printProfile(title: string, profile: Profile): void {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  process.stdout.write(`${title}; self time by function:\n`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    process.stdout.write(`${((100 * v) / profile.samples.length).toFixed(1).padStart(5)}%  ${k}\n`);
  }
  printInclusive(profile, byId);
}

/** Total (self + callees) time by function, each function counted once per sample however deep it recurses. */
function printInclusive(profile: Profile, byId: Map<number, ProfileNode>): void {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const keyOf = (f: ProfileNode['callFrame']): string => `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  const total = new Map<string, number>();
  for (const id of profile.samples) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f) seen.add(keyOf(f));
    }
    for (const k of seen) total.set(k, (total.get(k) ?? 0) + 1);
  }
  process.stdout.write('total time by function (self and callees):\n');
  for (const [k, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env["BENCH_PROFILE_TOP"] ?? 45))) {
    process.stdout.write(`${((100 * v) / profile.samples.length).toFixed(1).padStart(5)}%  ${k}\n`);
  }
}

async function profileLoad(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safehold-profile-'));
  const cleanups: Array<() => Promise<void> | void> = [];
  const ctx: MetricContext = {
    opts: { quick: true, sizes: [10_000], seed: DEFAULT_SEED, repsScale: 0.5 },
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
    cacheDir: tmp,
    tmpDir: tmp,
    log: (m) => process.stderr.write(`${m}\n`),
    shared: (_k, make) => make(),
    onCleanup: (fn) => cleanups.push(fn),
    reps: (full) => full,
  };
  try {
    const { server, authKey } = await loadServer(ctx, 'sqlite');
    const session = new inspector.Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    // Only the measured phase: logins and first syncs are not what the figure is about.
    const r = await runLoad({ url: server.url, user: LOAD_USER, authKey, db: LOAD_DB, floor: false, ...shape(ctx) }, () => {
      void session.post('Profiler.start');
    });
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    session.disconnect();
    printProfile(`server under the no-change load: ${Math.round(r.perSecond)}/s, p99 ${Math.round(r.p99)} ms, ${r.errors} errors`, profile);
  } finally {
    for (const fn of cleanups.reverse()) await fn();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const what = process.argv[3] ?? 'unlock';
  if (what === 'load') return profileLoad();
  if (!['sync', 'nochange', 'unlock', 'coldunlock', 'search'].includes(what)) throw new Error('usage: profile.js N sync|nochange|unlock|coldunlock|search, or profile.js 0 load');
  const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const cache = path.join(benchDir, '.cache');
  const fx = fs.existsSync(cache) ? fs.readdirSync(cache).find((d) => d.startsWith(`vault-${n}-`)) : undefined;
  if (!fx) throw new Error(`no cached ${n}-record fixture in bench/.cache: run npm run bench -- --only first_sync_ms --sizes ${n}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safehold-profile-'));
  fs.cpSync(path.join(cache, fx, 'server'), path.join(tmp, 'server'), { recursive: true });
  const server = await startBenchServer({ dataDir: path.join(tmp, 'server') });
  const home = new Home(path.join(tmp, 'home'));
  const ctx = await login({ home, server: server.url, user: FIXTURE_USER, db: FIXTURE_DB, password: async () => BENCH_PASSWORD });
  const o = await offlineApi(path.resolve(benchDir, '..'));
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  const unlock = async (): Promise<RecordView[]> => {
    const s = await o.unlockOffline({ home, server: ctx.account.server, user: FIXTURE_USER, db: FIXTURE_DB, device: home.device().id, password: BENCH_PASSWORD, clock: () => Date.now() });
    if (!s) throw new Error('no offline database');
    const views = await o.listOffline(s);
    s.close();
    return views;
  };
  // BENCH_PROFILE=off: no sampling, only the wall and CPU time of the run (this process: client and server).
  const sampling = process.env['BENCH_PROFILE'] !== 'off';
  const start = async (): Promise<void> => {
    if (sampling) await session.post('Profiler.start');
    cpu0 = process.cpuUsage();
    t0 = nowMs();
  };
  let t0 = nowMs();
  let cpu0 = process.cpuUsage();
  if (what === 'sync') {
    await start();
    await o.syncOffline(ctx, { create: true });
  } else {
    await o.syncOffline(ctx, { create: true });
    if (what === 'nochange') {
      await o.syncOffline(ctx, { create: true });
      await start();
      for (let i = 0; i < 20; i++) await o.syncOffline(ctx, { create: true });
    } else if (what === 'unlock' || what === 'coldunlock') {
      // 'unlock' is the usual one, with the header cache the first unlock after the sync built.
      if (what === 'unlock') await unlock();
      await start();
      await unlock();
    } else {
      const views = await unlock();
      await start();
      for (const q of searchQueries(DEFAULT_SEED, 40)) searchRecords(views, q);
    }
  }
  const ms = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  const title = `${what} of ${n} records: ${Math.round(ms)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU`;
  if (sampling) {
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    printProfile(title, profile);
  } else {
    process.stdout.write(`${title}\n`);
  }
  session.disconnect();
  ctx.api.close();
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
