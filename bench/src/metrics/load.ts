/**
 * server_nochange_syncs_per_s (SQLite) and server_nochange_syncs_per_s_pg (PostgreSQL): 500
 * concurrent clients, each its own session and device of one user, each with its offline database's
 * cursor, repeating no-change syncs for a bounded time on 127.0.0.1; value = completed syncs per
 * second, with p50/p99 latency and the error count (must be 0) in detail. The load generator is its
 * own process (worker/load.ts). Baseline http_floor_syncs_per_s: the same generator against a bare
 * node:http server answering a canned no-change page — what this machine and generator can do at all.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toB64 } from '@safehold/crypto';
import { Home, createRecord, register } from '@safehold/sdk';
import { createPgDatabase } from '@safehold/testkit';
import { Unavailable, type MetricContext, type MetricDef, type Measured } from '../metric.js';
import { errorText } from '../runner.js';
import { startBenchServer, type BenchServer } from '../env/server.js';
import { BENCH_PASSWORD } from '../fixtures/kdbx.js';
import { plainRecord } from '../fixtures/records.js';
import type { LoadInput, LoadOutput } from '../worker/load.js';

export const LOAD_DB = 'load';
export const LOAD_USER = 'loader';
const LOAD_RECORDS = 100;
const loadJs = path.join(path.dirname(fileURLToPath(import.meta.url)), '../worker/load.js');

export function shape(ctx: MetricContext): { clients: number; durationMs: number; warmupMs: number } {
  const smoke = Math.max(...ctx.opts.sizes) < 1000;
  if (smoke) return { clients: 10, durationMs: 1000, warmupMs: 300 };
  return { clients: 500, durationMs: ctx.opts.quick ? 5000 : 10_000, warmupMs: 2000 };
}

export function runLoad(inp: LoadInput, onMeasuring?: () => void): Promise<LoadOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadJs], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => {
      const text = b.toString('utf8');
      if (onMeasuring && text.includes('measuring\n')) onMeasuring();
      err = (err + text).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', () => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as LoadOutput & { error?: string };
        if (r.error) reject(new Error(`load generator: ${r.error}`));
        else resolve(r);
      } catch {
        reject(new Error(`load generator failed: ${err.trim().split('\n').pop() ?? 'no output'}`));
      }
    });
    child.stdin.end(`${JSON.stringify(inp)}\n`);
  });
}

export function measured(r: LoadOutput, clients: number): Measured {
  return {
    value: r.perSecond,
    detail: { clients, seconds: r.seconds, completed: r.completed, p50Ms: r.p50, p99Ms: r.p99, errors: r.errors, ...(r.firstError ? { firstError: r.firstError.slice(0, 200) } : {}) },
    ...(r.errors > 0 ? { miss: `${r.errors} errors (must be 0)` } : {}),
  };
}

/**
 * A fresh PostgreSQL database (testkit). When none answers, scripts/ensure-postgres.sh (the one
 * `npm test` runs) is tried once, unless SAFEHOLD_BENCH_NO_INSTALL is set; still none: not available.
 */
async function pgDatabase(ctx: MetricContext): Promise<Awaited<ReturnType<typeof createPgDatabase>>> {
  try {
    return await createPgDatabase();
  } catch (first) {
    const script = path.join(ctx.root, 'scripts/ensure-postgres.sh');
    if (process.env['SAFEHOLD_BENCH_NO_INSTALL'] || !fs.existsSync(script)) throw new Unavailable(`PostgreSQL: ${errorText(first)}`);
    ctx.log('PostgreSQL does not answer: running scripts/ensure-postgres.sh');
    spawnSync('bash', [script], { stdio: 'ignore', timeout: 600_000 });
    try {
      return await createPgDatabase();
    } catch (e) {
      throw new Unavailable(`PostgreSQL: ${errorText(e)}`);
    }
  }
}

/** A server with one user holding LOAD_RECORDS records in an offline-enabled database; returns its auth key. */
export async function loadServer(ctx: MetricContext, backend: 'sqlite' | 'postgres'): Promise<{ server: BenchServer; authKey: string; databaseUrl: string | null }> {
  let server: BenchServer;
  let databaseUrl: string | null = null;
  if (backend === 'postgres') {
    const pg = await pgDatabase(ctx);
    databaseUrl = pg.url;
    try {
      server = await startBenchServer({ databaseUrl: pg.url });
    } catch (e) {
      await pg.drop();
      throw e;
    }
    ctx.onCleanup(async () => {
      await server.close();
      await pg.drop();
    });
  } else {
    const dataDir = path.join(ctx.tmpDir, 'load-sqlite');
    server = await startBenchServer({ dataDir });
    ctx.onCleanup(async () => {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
  }
  await server.admin.createDb(LOAD_DB, { offline: true });
  const invite = await server.admin.addUser(LOAD_USER, LOAD_DB);
  if (!invite) throw new Error('load user exists already');
  await server.admin.setUserRights(LOAD_USER, LOAD_DB, { offline: true, offlineDays: 30 });
  const home = path.join(ctx.tmpDir, `load-${backend}-home`);
  const client = await register({ home: new Home(home), server: server.url, user: LOAD_USER, invite, db: LOAD_DB, password: async () => BENCH_PASSWORD });
  try {
    for (let i = 0; i < LOAD_RECORDS; i++) {
      const p = plainRecord(ctx.opts.seed, i);
      await createRecord(client, { name: p.header.name, username: p.header.username, password: p.secret.password, url: p.header.url, tags: p.header.tags });
    }
    const key = client.secrets.authKey;
    if (!key) throw new Error('the SDK context holds no auth key');
    return { server, authKey: toB64(key), databaseUrl };
  } finally {
    client.api.close();
  }
}

async function serverThroughput(ctx: MetricContext, backend: 'sqlite' | 'postgres'): Promise<Measured> {
  const { server, authKey } = await loadServer(ctx, backend);
  const s = shape(ctx);
  // The server runs in this process (the load generator in its own): its CPU time is this process's.
  let cpu0 = 0;
  const r = await runLoad({ url: server.url, user: LOAD_USER, authKey, db: LOAD_DB, floor: false, ...s }, () => (cpu0 = cpuSeconds()));
  const m = measured(r, s.clients);
  return { ...m, detail: { ...m.detail, ...perCpu(r, cpuSeconds() - cpu0) } };
}

/** User + system CPU seconds of this process so far. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Syncs per server CPU-second over the measured window (the CPU read at its start and at the generator's end). */
export function perCpu(r: LoadOutput, serverCpuSeconds: number): Record<string, number> {
  if (!(serverCpuSeconds > 0)) return {};
  return { serverCpuSeconds: Math.round(serverCpuSeconds * 100) / 100, syncsPerServerCpuSecond: Math.round(r.completed / serverCpuSeconds) };
}

export const httpFloor: MetricDef = {
  name: 'http_floor_syncs_per_s',
  unit: '/s',
  sizes: null,
  baselineOnly: true,
  async run(ctx) {
    // A canned no-change page of about the size of ours (lease included).
    const body = JSON.stringify({ kind: 'changes', reset: false, records: [], removed: [], cursor: '12345', hasMore: false, total: 100, lease: { payload: 'x'.repeat(260), signature: 'y'.repeat(86) } });
    const bare = http.createServer({ noDelay: true, keepAlive: true }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const addr = bare.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const s = shape(ctx);
      const r = await runLoad({ url: `http://127.0.0.1:${port}`, user: 'none', authKey: '', db: LOAD_DB, floor: true, ...s });
      return measured(r, s.clients);
    } finally {
      bare.closeAllConnections();
      await new Promise((resolve) => bare.close(resolve));
    }
  },
};

export const serverLoadSqlite: MetricDef = {
  name: 'server_nochange_syncs_per_s',
  unit: '/s',
  sizes: null,
  target: () => ({ op: '>=', value: 2000 }),
  baseline: 'http_floor_syncs_per_s',
  run: (ctx) => serverThroughput(ctx, 'sqlite'),
};

/** Against the same run's SQLite figure (issue 18: at least 0.7x). */
export const serverLoadPg: MetricDef = {
  name: 'server_nochange_syncs_per_s_pg',
  unit: '/s',
  sizes: null,
  target: () => ({ op: '>=', value: 0.7, ofBaseline: true }),
  baseline: 'server_nochange_syncs_per_s',
  run: (ctx) => serverThroughput(ctx, 'postgres'),
};
