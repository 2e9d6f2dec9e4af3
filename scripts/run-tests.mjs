#!/usr/bin/env node
// Runs every compiled *.spec.js under packages/*/dist, e2e/dist and bench/dist with node's test runner.
// Node 20 does not expand globs for --test, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['packages', 'e2e', 'bench'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.spec.js') && p.includes(`${'dist'}`)) files.push(p);
  }
}
for (const r of roots) { try { walk(r); } catch { /* folder absent */ } }
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
if (selected.length === 0) { console.error('no test files found (did the build run?)'); process.exit(1); }
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
