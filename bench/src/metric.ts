/**
 * What a benchmark is (MetricDef), what one measurement records (MetricResult, one row of
 * bench/results/*.json) and how a missing prerequisite is reported (Unavailable) instead of a number.
 */

/** A threshold from spec §5: the value must be below (`<`) or at least (`>=`) `value`. */
export interface Target {
  op: '<' | '<=' | '>=';
  value: number;
  /** The threshold applies to the ratio to the same run's baseline (value / baseline), not to the value. */
  ofBaseline?: boolean;
  /** With `ofBaseline`: the value itself must also be below this (in the metric's unit), e.g. "≤ 1.3× and < 7 s". */
  below?: number;
}

export interface BaselineRef {
  name: string;
  value: number | null;
}

/** One row of the results file. Fields beyond ISSUE7's list are additive: reason, met, detail. */
export interface MetricResult {
  name: string;
  n: number | null;
  value: number | null;
  unit: string;
  target: string | null;
  baseline: BaselineRef | null;
  ratio: number | null;
  /** true/false when there is both a target and a value. */
  met: boolean | null;
  /** Why there is no value (a missing tool or package, or an error), or why a value cannot meet its target. */
  reason?: string;
  /** Secondary figures (p50/p99, error counts, repetitions...). Finite numbers, strings or booleans only. */
  detail?: Record<string, number | string | boolean>;
}

/** What a metric's run() returns. */
export interface Measured {
  value: number;
  detail?: Record<string, number | string | boolean>;
  /** The figure is real but does not count as meeting its target (e.g. load with errors): why. */
  miss?: string;
}

/** Thrown by a metric whose prerequisite is missing: the row records the reason instead of a number. */
export class Unavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Unavailable';
  }
}

export interface RunOptions {
  quick: boolean;
  /** The record counts of this run (1k,10k,100k full; 1k,10k quick; or --sizes). */
  sizes: number[];
  seed: string;
  /** Multiplier on repetitions; 1 for a full run, lower for quick/smoke runs. */
  repsScale: number;
}

export interface MetricDef {
  name: string;
  unit: string;
  /** The sizes this figure is defined for; null for a size-independent figure. */
  sizes: number[] | null;
  target?: (n: number | null) => Target | null;
  /** Name of the metric measured in the same run as the reference (ratio = value / baseline). */
  baseline?: string;
  /** A baseline of others only: measured when one of them needs it, not on its own. */
  baselineOnly?: boolean;
  run(ctx: MetricContext, n: number | null): Promise<Measured>;
}

/** What a metric sees of the run. */
export interface MetricContext {
  readonly opts: RunOptions;
  /** Repository root. */
  readonly root: string;
  /** bench/.cache: fixtures reused across runs. */
  readonly cacheDir: string;
  /** A temp dir for this run, removed at the end. */
  readonly tmpDir: string;
  log(msg: string): void;
  /** Memoises an expensive shared setup (a fixture, a started server) for the rest of the run. */
  shared<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** Registers a cleanup run at the end of the run (servers to stop), last registered first. */
  onCleanup(fn: () => Promise<void> | void): void;
  /** Repetitions scaled for the run: full runs use `full`, quick and smoke runs fewer (at least 1). */
  reps(full: number): number;
}

export function targetText(t: Target | null, unit: string): string | null {
  if (!t) return null;
  if (!t.ofBaseline) return `${t.op} ${t.value} ${unit}`;
  return `${t.op} ${t.value}x baseline${t.below !== undefined ? ` and < ${t.below} ${unit}` : ''}`;
}

/** Whether the value (or, for a baseline-relative target, the ratio) meets the target; null when either is missing. */
export function targetMet(t: Target | null, value: number | null, ratio: number | null = null): boolean | null {
  const v = t?.ofBaseline ? ratio : value;
  if (!t || v === null) return null;
  const met = t.op === '<' ? v < t.value : t.op === '<=' ? v <= t.value : v >= t.value;
  if (t.ofBaseline && t.below !== undefined) return met && value !== null && value < t.below;
  return met;
}

/** The sizes a metric runs at in this run: its own sizes that the run covers, else the run's largest. */
export function effectiveSizes(def: MetricDef, runSizes: number[]): (number | null)[] {
  if (def.sizes === null) return [null];
  const inRun = def.sizes.filter((s) => runSizes.includes(s));
  if (inRun.length > 0) return inRun;
  const max = Math.max(...runSizes);
  // A metric defined only at sizes above this run's range runs at the run's largest size.
  return def.sizes.every((s) => s > max) ? [max] : [];
}
