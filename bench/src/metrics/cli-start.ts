/**
 * cli_start_ms: wall time of the whole `node packages/cli/bin/safehold.js --version` process
 * (median), beside node_start_ms, `node -e 0`, the floor any Node CLI pays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Unavailable, type MetricContext, type MetricDef, type Measured } from '../metric.js';
import { cliEnv, timeProcess } from '../proc.js';
import { median } from '../stats.js';

async function medianOfRuns(ctx: MetricContext, args: string[], reps: number): Promise<Measured> {
  // One untimed run warms the page cache, as a user's second command would find it.
  const env = cliEnv();
  const warm = await timeProcess(process.execPath, args, { cwd: ctx.root, env, timeoutMs: 30_000 });
  if (warm.code !== 0) throw new Error(`exit ${warm.code}: ${warm.stderr.trim().split('\n')[0] ?? ''}`);
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const r = await timeProcess(process.execPath, args, { cwd: ctx.root, env, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
    samples.push(r.ms);
  }
  return { value: median(samples), detail: { runs: reps, min: Math.min(...samples), max: Math.max(...samples) } };
}

export const nodeStart: MetricDef = {
  name: 'node_start_ms',
  unit: 'ms',
  sizes: null,
  baselineOnly: true,
  run: (ctx) => medianOfRuns(ctx, ['-e', '0'], ctx.reps(20)),
};

export const cliStart: MetricDef = {
  name: 'cli_start_ms',
  unit: 'ms',
  sizes: null,
  target: () => ({ op: '<', value: 150 }),
  baseline: 'node_start_ms',
  async run(ctx) {
    const bin = path.join(ctx.root, 'packages/cli/bin/safehold.js');
    if (!fs.existsSync(bin)) throw new Unavailable('packages/cli/bin/safehold.js is missing');
    if (!fs.existsSync(path.join(ctx.root, 'packages/cli/dist'))) throw new Unavailable('packages/cli is not built (no dist)');
    return medianOfRuns(ctx, [bin, '--version'], ctx.reps(20));
  },
};
