/**
 * Runs a list of metric definitions at the run's sizes, each beside its baseline measured in the
 * same run (memoised, so a baseline shared by several metrics is measured once per size), and
 * turns every outcome into a MetricResult: a number, or a reason when a prerequisite is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  effectiveSizes,
  targetMet,
  targetText,
  Unavailable,
  type MetricContext,
  type MetricDef,
  type MetricResult,
  type RunOptions,
} from './metric.js';
import { round, roundRatio } from './stats.js';

export interface RunnerConfig {
  defs: MetricDef[];
  opts: RunOptions;
  root: string;
  cacheDir: string;
  /** Names to run (their baselines run too); empty = all. */
  only: string[];
  log?: (msg: string) => void;
  /** Keep the run's temp dir (client homes, server copies) for inspection. */
  keepTmp?: boolean;
  /** Called as each row is final (for live printing). */
  onResult?: (r: MetricResult) => void;
}

export interface Report {
  date: string;
  node: string;
  cpus: number;
  quick: boolean;
  /** 1-minute load average at the start and the end of the run: figures from a busy machine read accordingly. */
  loadavg: { start: number; end: number };
  metrics: MetricResult[];
}

export async function runMetrics(cfg: RunnerConfig): Promise<Report> {
  const byName = new Map(cfg.defs.map((d) => [d.name, d]));
  for (const name of cfg.only) {
    if (!byName.has(name)) throw new Error(`unknown metric ${name}; known: ${[...byName.keys()].join(', ')}`);
  }
  const log = cfg.log ?? (() => undefined);
  const loadStart = os.loadavg()[0] ?? 0;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safehold-bench-'));
  const sharedMemo = new Map<string, Promise<unknown>>();
  const cleanups: Array<() => Promise<void> | void> = [];
  const ctx: MetricContext = {
    opts: cfg.opts,
    root: cfg.root,
    cacheDir: cfg.cacheDir,
    tmpDir,
    log,
    shared<T>(key: string, make: () => Promise<T>): Promise<T> {
      let p = sharedMemo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = make();
        sharedMemo.set(key, p);
      }
      return p;
    },
    onCleanup(fn) {
      cleanups.push(fn);
    },
    reps(full: number) {
      return Math.max(1, Math.round(full * cfg.opts.repsScale));
    },
  };

  const memo = new Map<string, Promise<MetricResult>>();
  const rows: MetricResult[] = [];
  const measure = (def: MetricDef, n: number | null): Promise<MetricResult> => {
    const key = `${def.name}@${n ?? '-'}`;
    let p = memo.get(key);
    if (!p) {
      p = measureOne(def, n).then((r) => {
        rows.push(r);
        cfg.onResult?.(r);
        return r;
      });
      memo.set(key, p);
    }
    return p;
  };

  const measureOne = async (def: MetricDef, n: number | null): Promise<MetricResult> => {
    // The baseline first, so that the two figures are taken close together in the same run.
    let baseline: MetricResult | null = null;
    if (def.baseline) {
      const bdef = byName.get(def.baseline);
      if (!bdef) throw new Error(`metric ${def.name}: unknown baseline ${def.baseline}`);
      baseline = await measure(bdef, bdef.sizes === null ? null : n);
    }
    const target = def.target?.(n) ?? null;
    const row: MetricResult = {
      name: def.name,
      n,
      value: null,
      unit: def.unit,
      target: targetText(target, def.unit),
      baseline: baseline ? { name: baseline.name, value: baseline.value } : null,
      ratio: null,
      met: null,
    };
    log(`running ${def.name}${n === null ? '' : ` n=${n}`}`);
    let missReason: string | null = null;
    try {
      const m = await def.run(ctx, n);
      if (!Number.isFinite(m.value)) throw new Error(`non-finite value ${m.value}`);
      row.value = round(m.value);
      if (m.miss) missReason = m.miss;
      if (m.detail) row.detail = sanitizeDetail(m.detail);
    } catch (e) {
      row.reason = e instanceof Unavailable ? `not available: ${e.message}` : `error: ${errorText(e)}`;
      if (!(e instanceof Unavailable)) log(`${def.name}: ${e instanceof Error && e.stack ? e.stack : String(e)}`);
    }
    if (row.value !== null && baseline?.value) row.ratio = roundRatio(row.value / baseline.value);
    row.met = targetMet(target, row.value, row.ratio);
    if (missReason !== null) {
      row.met = false;
      row.reason = missReason;
    }
    return row;
  };

  try {
    for (const def of cfg.defs) {
      const wanted = cfg.only.length ? cfg.only.includes(def.name) : !def.baselineOnly;
      if (!wanted) continue;
      for (const n of effectiveSizes(def, cfg.opts.sizes)) await measure(def, n);
    }
  } finally {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        log(`cleanup failed: ${errorText(e)}`);
      }
    }
    if (cfg.keepTmp) log(`kept ${tmpDir}`);
    else fs.rmSync(tmpDir, { recursive: true, force: true });
  }

  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    quick: cfg.opts.quick,
    loadavg: { start: round(loadStart), end: round(os.loadavg()[0] ?? 0) },
    metrics: orderRows(rows, cfg.defs),
  };
}

/** Rows in registry order, then by size. */
function orderRows(rows: MetricResult[], defs: MetricDef[]): MetricResult[] {
  const rank = new Map(defs.map((d, i) => [d.name, i]));
  return [...rows].sort((a, b) => (rank.get(a.name) ?? 0) - (rank.get(b.name) ?? 0) || (a.n ?? 0) - (b.n ?? 0));
}

function sanitizeDetail(d: Record<string, number | string | boolean>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out[k] = round(v);
    } else out[k] = v;
  }
  return out;
}

export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // One line, bounded: a reason is for a table cell and a JSON field.
  return msg.split('\n')[0]!.slice(0, 300);
}
