#!/usr/bin/env node
// The reliability campaign of issue 17 (docs/adr/0091-reliability-campaign.md), after `npm run build`:
//   node scripts/reliability.mjs [--full] [--seed N] [--only SPEC-FILE-SUBSTRING] [--grep TEST-NAME-PATTERN]
// Small by default (the same specs run in `npm test`); --full runs every part at the size
// (100 kill points per crash part, 10^5 HTTP requests, 500 load clients for 60 s per setup). Prints
// every part's figures at the end and writes them as JSON lines to reliability-<time>.jsonl in the temp dir.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const args = process.argv.slice(2);
const full = args.includes('--full');
const at = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const seed = at('--seed') ?? String(randomInt(1, 2 ** 31 - 1));
if (!/^\d{1,10}$/.test(seed)) {
  console.error('--seed must be a whole number');
  process.exit(2);
}
const only = at('--only');
const grep = at('--grep');
const dir = 'e2e/dist/reliability';
if (!existsSync(dir)) {
  console.error('no e2e/dist/reliability: run `npm run build` first');
  process.exit(1);
}
const specs = [
  ...readdirSync(dir).filter((f) => f.endsWith('.spec.js')).map((f) => join(dir, f)),
  'packages/domain/dist/lease.clock.spec.js',
  'packages/server/dist/storage/backup.spec.js',
  'packages/store/dist/corruption.spec.js',
].filter((f) => existsSync(f) && statSync(f).isFile() && (!only || f.includes(only)));
const out = join(tmpdir(), `reliability-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
console.log(`reliability campaign: ${full ? 'full' : 'small'} size, seed ${seed}, ${specs.length} spec file(s); figures to ${out}`);
const t0 = Date.now();
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', ...(grep ? [`--test-name-pattern=${grep}`] : []), ...specs], {
  stdio: 'inherit',
  env: { ...process.env, SAFEHOLD_RELIABILITY: full ? 'full' : 'small', SAFEHOLD_RELIABILITY_SEED: seed, SAFEHOLD_RELIABILITY_OUT: out },
});
const minutes = ((Date.now() - t0) / 60_000).toFixed(1);
console.log(`\nreliability figures (${full ? 'full' : 'small'}, seed ${seed}, ${minutes} min):`);
if (existsSync(out)) for (const line of readFileSync(out, 'utf8').trim().split('\n')) console.log(`  ${line}`);
process.exit(r.status ?? 1);
