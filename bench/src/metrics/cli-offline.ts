/**
 * cli_offline_search_ms: the whole `safehold --offline --password-stdin --json search TERM` process
 * on the synced client's home (node start-up, module loading, Argon2id key derivation, opening the
 * offline file, decrypting every header, searching, printing), median of runs; beside
 * keepassxc_open_search_ms on a KDBX 4 file holding the same records. cli_offline_list_ms: `list`
 * of 1k records the same way (spec §5: < 400 ms including key derivation).
 */
import path from 'node:path';
import fs from 'node:fs';
import { Unavailable, type MetricContext, type MetricDef, type Measured } from '../metric.js';
import { cliEnv, timeProcess } from '../proc.js';
import { median } from '../stats.js';
import { needleHits, SEARCH_NEEDLE } from '../fixtures/records.js';
import { syncedHome } from './sync.js';

async function timeCli(ctx: MetricContext, n: number, command: string[], expect: number): Promise<Measured> {
  const bin = path.join(ctx.root, 'packages/cli/bin/safehold.js');
  if (!fs.existsSync(path.join(ctx.root, 'packages/cli/dist/main.js'))) throw new Unavailable('packages/cli is not built');
  const { home, server, fx } = await syncedHome(ctx, n);
  const args = [bin, '--home', home, '--server', server, '--user', fx.user, '--db', fx.db, '--offline', '--password-stdin', '--json', ...command];
  const env = cliEnv();
  const reps = n >= 100_000 ? ctx.reps(2) : ctx.reps(5);
  const samples: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const r = await timeProcess(process.execPath, args, { input: `${fx.password}\n`, env, cwd: ctx.root, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`safehold exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    const out = JSON.parse(r.stdout) as { records?: unknown[]; source?: string };
    if (out.source !== 'offline') throw new Error(`safehold answered from ${String(out.source)}, not offline`);
    if (out.records?.length !== expect) throw new Error(`safehold found ${out.records?.length} records, expected ${expect}`);
    if (i > 0) samples.push(r.ms); // the first run warms the page cache
  }
  return { value: median(samples), detail: { runs: reps, records: expect, min: Math.min(...samples) } };
}

export const cliOfflineSearch: MetricDef = {
  name: 'cli_offline_search_ms',
  unit: 'ms',
  sizes: [10_000, 100_000],
  baseline: 'keepassxc_open_search_ms',
  async run(ctx, n) {
    if (n === null) throw new Error('needs n');
    return timeCli(ctx, n, ['search', SEARCH_NEEDLE], needleHits(n));
  },
};

export const cliOfflineList: MetricDef = {
  name: 'cli_offline_list_ms',
  unit: 'ms',
  sizes: [1_000],
  target: () => ({ op: '<', value: 400 }),
  async run(ctx, n) {
    if (n === null) throw new Error('needs n');
    return timeCli(ctx, n, ['list'], n);
  },
};
