/**
 * keepassxc_open_search_ms: the whole `keepassxc-cli search -q FILE TERM` process on a KDBX 4 file
 * holding the same records as our fixture (password on stdin, Argon2id 64 MiB / 3 iterations like
 * ours): open + key derivation + decrypt + search + print. The peer figure for cli_offline_search_ms.
 * Debian's keepassxc is installed with apt-get when keepassxc-cli is missing and we are root
 * (set SAFEHOLD_BENCH_NO_INSTALL=1 to forbid it); if it is still absent, the row says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Unavailable, type MetricContext, type MetricDef } from '../metric.js';
import { timeProcess, which } from '../proc.js';
import { median } from '../stats.js';
import { BENCH_PASSWORD, writeKdbx } from '../fixtures/kdbx.js';
import { needleHits, SEARCH_NEEDLE } from '../fixtures/records.js';
import { cacheKey } from '../fixtures/cache.js';

const KDBX_FIXTURE_VERSION = 'kdbx-v1';

/** keepassxc-cli's path, installing Debian's keepassxc once per run if needed and allowed. */
export function ensureKeepassxc(ctx: MetricContext): Promise<string> {
  return ctx.shared('keepassxc-cli', async () => {
    const found = which('keepassxc-cli');
    if (found) return found;
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (process.env.SAFEHOLD_BENCH_NO_INSTALL || !isRoot || !which('apt-get')) {
      throw new Unavailable('keepassxc-cli is not installed (apt-get install keepassxc)');
    }
    ctx.log('keepassxc-cli missing: apt-get update && apt-get install keepassxc');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 300_000 });
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'keepassxc'], { stdio: 'ignore', env, timeout: 600_000 });
    const after = which('keepassxc-cli');
    if (!after) throw new Unavailable(`keepassxc-cli is not installed and apt-get install keepassxc failed (exit ${r.status})`);
    return after;
  });
}

/** The cached KDBX file for n records. */
export function kdbxFixture(ctx: MetricContext, n: number): Promise<string> {
  return ctx.shared(`kdbx@${n}`, async () => {
    const file = path.join(ctx.cacheDir, 'kdbx', `${cacheKey(KDBX_FIXTURE_VERSION, ctx.opts.seed, String(n))}-${n}.kdbx`);
    if (!fs.existsSync(file)) {
      ctx.log(`writing KDBX fixture with ${n} records`);
      await writeKdbx(file, ctx.opts.seed, n);
    }
    return file;
  });
}

export const keepassxcOpenSearch: MetricDef = {
  name: 'keepassxc_open_search_ms',
  unit: 'ms',
  sizes: [10_000, 100_000],
  async run(ctx, n) {
    if (n === null) throw new Error('keepassxc_open_search_ms needs n');
    const cli = await ensureKeepassxc(ctx);
    const file = await kdbxFixture(ctx, n);
    const reps = n >= 100_000 ? ctx.reps(2) : ctx.reps(5);
    const expected = needleHits(n);
    const samples: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const r = await timeProcess(cli, ['search', '-q', file, SEARCH_NEEDLE], {
        input: `${BENCH_PASSWORD}\n`,
        env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' },
        timeoutMs: 600_000,
      });
      if (r.code !== 0) throw new Error(`keepassxc-cli exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
      const hits = r.stdout.split('\n').filter((l) => l.trim()).length;
      if (hits !== expected) throw new Error(`keepassxc-cli found ${hits} entries, expected ${expected}`);
      // The first run only warms the page cache.
      if (i > 0) samples.push(r.ms);
    }
    return { value: median(samples), detail: { runs: reps, hits: expected, min: Math.min(...samples) } };
  },
};
