/**
 * Import and export (issue 15), in process through the SDK against a real server on a copy of the
 * sync fixture: export_kdbx_ms = asking the server for n records, opening them, writing a KDBX 4 file
 * (Argon2id 64 MiB / 3 iterations) to disk; import_bitwarden_json_ms = reading a Bitwarden JSON file
 * of the same n records and importing them into a fresh database (parse, check, encrypt, bulk
 * requests). Beside keepassxc_export_ms: `keepassxc-cli export -f xml` of the very KDBX file ours
 * wrote, the peer's own export of n entries, in the same run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Home, exportVault, importVault, login, readImportFile, writeExportFile, type ClientContext } from '@safehold/sdk';
import type { MetricContext, MetricDef } from '../metric.js';
import { median, nowMs } from '../stats.js';
import { timeProcess } from '../proc.js';
import { vaultFixture, serveCopy } from '../fixtures/vault.js';
import type { BenchServer } from '../env/server.js';
import { ensureKeepassxc } from './keepassxc.js';

const FILE_PASSWORD = 'bench export file password';

interface TransferEnv {
  server: BenchServer;
  ctx: ClientContext;
  db: string;
  n: number;
}

function transferEnv(ctx: MetricContext, n: number): Promise<TransferEnv> {
  return ctx.shared(`transfer@${n}`, async () => {
    const fx = await vaultFixture(ctx, n);
    const server = await serveCopy(ctx, fx, `transfer-${n}`);
    const homeDir = path.join(ctx.tmpDir, `transfer-home-${n}`);
    fs.mkdirSync(homeDir, { recursive: true });
    const client = await login({ home: new Home(homeDir), server: server.url, user: fx.user, db: fx.db, password: async () => fx.password });
    ctx.onCleanup(() => client.api.close());
    return { server, ctx: client, db: fx.db, n };
  });
}

/** CPU time of this process (client, in-process server and Argon2 threads together), ms: a figure less bent by a loaded machine. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return Math.round((d.user + d.system) / 1000);
}

let lastCpu = 0;

async function exportOnce(env: TransferEnv, file: string, format: 'kdbx' | 'bitwarden-json'): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = nowMs();
  const res = await exportVault(env.ctx, { dbs: [env.db], format });
  const count = res.databases[0]?.records.length ?? 0;
  if (count !== env.n) throw new Error(`exported ${count} records, expected ${env.n}`);
  const bytes = await writeExportFile(format, res.databases, { allDatabases: false, password: FILE_PASSWORD });
  fs.writeFileSync(file, bytes, { mode: 0o600 });
  lastCpu = cpuMs(c0);
  return nowMs() - t0;
}

/** The KDBX file our export wrote (the baseline exports the same file). */
function exportedKdbx(ctx: MetricContext, n: number): Promise<string> {
  return ctx.shared(`transfer-kdbx@${n}`, async () => {
    const env = await transferEnv(ctx, n);
    const file = path.join(ctx.tmpDir, `export-${n}.kdbx`);
    await exportOnce(env, file, 'kdbx');
    return file;
  });
}

export const keepassxcExport: MetricDef = {
  name: 'keepassxc_export_ms',
  unit: 'ms',
  sizes: [10_000],
  baselineOnly: true,
  async run(ctx, n) {
    if (n === null) throw new Error('keepassxc_export_ms needs n');
    const cli = await ensureKeepassxc(ctx);
    const file = await exportedKdbx(ctx, n);
    const samples: number[] = [];
    for (let i = 0; i < ctx.reps(3) + 1; i++) {
      const r = await timeProcess(cli, ['export', '-f', 'xml', file], { input: `${FILE_PASSWORD}\n`, env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' }, timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`keepassxc-cli export exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
      const entries = (r.stdout.match(/<Entry>/g) ?? []).length;
      if (entries !== n) throw new Error(`keepassxc-cli exported ${entries} entries, expected ${n}`);
      if (i > 0) samples.push(r.ms); // the first run warms the page cache
    }
    return { value: median(samples), detail: { runs: samples.length, entries: n, loadavg_1m: Math.round(os.loadavg()[0] ?? 0) } };
  },
};

export const exportKdbx: MetricDef = {
  name: 'export_kdbx_ms',
  unit: 'ms',
  sizes: [10_000],
  target: () => ({ op: '<', value: 5000 }),
  baseline: 'keepassxc_export_ms',
  async run(ctx, n) {
    if (n === null) throw new Error('export_kdbx_ms needs n');
    const env = await transferEnv(ctx, n);
    await exportedKdbx(ctx, n); // the warm-up, and the file the baseline reads
    const samples: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < ctx.reps(3); i++) {
      samples.push(await exportOnce(env, path.join(ctx.tmpDir, `export-${n}-${i}.kdbx`), 'kdbx'));
      cpu.push(lastCpu);
    }
    return { value: median(samples), detail: { runs: samples.length, records: n, cpu_ms: median(cpu), loadavg_1m: Math.round(os.loadavg()[0] ?? 0) } };
  },
};

export const importBitwardenJson: MetricDef = {
  name: 'import_bitwarden_json_ms',
  unit: 'ms',
  sizes: [10_000],
  target: () => ({ op: '<', value: 15_000 }),
  baseline: 'keepassxc_export_ms',
  async run(ctx, n) {
    if (n === null) throw new Error('import_bitwarden_json_ms needs n');
    const env = await transferEnv(ctx, n);
    const file = path.join(ctx.tmpDir, `export-${n}.json`);
    await exportOnce(env, file, 'bitwarden-json');
    const samples: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < ctx.reps(2); i++) {
      const db = `imported${i}`;
      await env.server.admin.createDb(db);
      await env.server.admin.addUser(env.ctx.account.user, db);
      const c0 = process.cpuUsage();
      const t0 = nowMs();
      const bytes = fs.readFileSync(file);
      const parsed = await readImportFile('bitwarden-json', bytes, async () => '', 'export.json');
      const s = await importVault(env.ctx, db, parsed, { format: 'bitwarden-json' });
      samples.push(nowMs() - t0);
      cpu.push(cpuMs(c0));
      if (s.created !== n) throw new Error(`imported ${s.created} records, expected ${n}`);
    }
    return { value: median(samples), detail: { runs: samples.length, records: n, cpu_ms: median(cpu), loadavg_1m: Math.round(os.loadavg()[0] ?? 0) } };
  },
};
