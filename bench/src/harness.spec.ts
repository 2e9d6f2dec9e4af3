/**
 * Smoke test of the benchmark harness at a tiny size (50 records), so that it cannot rot: the real
 * fixture path, server, SDK worker and CLI run, and the results file has the shape of ISSUE 7.
 * Never asserts a time: only that each figure is a finite number or an explicit reason.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS } from './metrics/index.js';
import { runMetrics, type Report } from './runner.js';
import { writeReport, formatTable } from './results.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'safehold-bench-smoke-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const SMOKE = [
  'crypto_floor_ms',
  'first_sync_ms',
  'client_sync_rss_mb',
  'nochange_sync_server_ms',
  'nochange_sync_client_ms',
  'delta_100_changes_ms',
  'first_unlock_after_sync_ms',
  'offline_unlock_ms',
  'offline_search_p95_ms',
  'keepassxc_open_search_ms',
  'cli_offline_search_ms',
  'cli_start_ms',
  'server_nochange_syncs_per_s',
  // the web UI's figures (real `safehold ui` in chromium), and their SDK baselines
  'ui_first_list_ms',
  'ui_first_list_cold_ms',
  'ui_search_p95_ms',
];

const METRIC_KEYS = ['name', 'n', 'value', 'unit', 'target', 'baseline', 'ratio'];

test('a 50-record run of the harness writes results in the ISSUE 7 shape', { timeout: 600_000 }, async () => {
  // A smoke run never installs packages.
  process.env['SAFEHOLD_BENCH_NO_INSTALL'] = '1';
  const report = await runMetrics({
    defs: METRICS,
    opts: { quick: true, sizes: [50], seed: 'smoke', repsScale: 0.2 },
    root,
    cacheDir: path.join(work, 'cache'),
    only: SMOKE,
  });
  const out = path.join(work, 'results', 'latest.json');
  const written = writeReport(report, out, true);
  assert.equal(written.length, 2, 'latest.json and a dated copy');
  assert.match(path.basename(written[1] ?? ''), /^\d{4}-\d{2}-\d{2}-quick\.json$/);

  const parsed = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  assert.deepEqual(JSON.parse(fs.readFileSync(written[1] ?? '', 'utf8')), parsed);
  assert.ok(!Number.isNaN(Date.parse(parsed.date)), 'date is an ISO time');
  assert.equal(typeof parsed.node, 'string');
  assert.ok(Number.isInteger(parsed.cpus) && parsed.cpus > 0);
  assert.equal(parsed.quick, true);
  assert.ok(Array.isArray(parsed.metrics));

  const names = new Set(parsed.metrics.map((m) => m.name));
  for (const name of SMOKE) assert.ok(names.has(name), `${name} is in the results`);
  // Baselines of the requested metrics were measured in the same run.
  for (const name of ['full_resync_ms', 'kdf_ms', 'node_start_ms', 'http_floor_syncs_per_s']) assert.ok(names.has(name), `baseline ${name} is in the results`);

  for (const m of parsed.metrics) {
    for (const k of METRIC_KEYS) assert.ok(k in m, `${m.name} has ${k}`);
    assert.ok(m.n === null || (Number.isInteger(m.n) && m.n > 0), `${m.name}: n`);
    assert.equal(typeof m.unit, 'string');
    if (m.value === null) {
      assert.match(m.reason ?? '', /^(not available|error): ./, `${m.name} without a value says why`);
      assert.equal(m.ratio, null);
    } else {
      assert.ok(Number.isFinite(m.value), `${m.name}: finite value`);
      assert.ok(m.value >= 0, `${m.name}: non-negative value`);
    }
    if (m.baseline !== null) {
      assert.equal(typeof m.baseline.name, 'string');
      assert.ok(m.baseline.value === null || Number.isFinite(m.baseline.value));
      if (m.value !== null && m.baseline.value) assert.equal(typeof m.ratio, 'number');
    } else {
      assert.equal(m.ratio, null);
    }
  }
  // A failure of the code under measurement must not hide as a reason: only a missing
  // prerequisite (keepassxc-cli not installed here) may stand instead of a number.
  const errors = parsed.metrics.filter((m) => m.reason?.startsWith('error:'));
  assert.deepEqual(errors.map((m) => `${m.name}: ${m.reason}`), []);
  for (const name of SMOKE.filter((x) => x !== 'keepassxc_open_search_ms')) {
    const row = parsed.metrics.find((m) => m.name === name);
    assert.equal(typeof row?.value, 'number', `${name} has a value (${row?.reason ?? ''})`);
  }
  assert.ok(formatTable(parsed.metrics).includes('first_sync_ms'));
});
