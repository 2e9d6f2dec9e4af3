/** Command-line options of `npm run bench`. */
import type { RunOptions } from './metric.js';

export const FULL_SIZES = [1_000, 10_000, 100_000];
export const QUICK_SIZES = [1_000, 10_000];
export const DEFAULT_SEED = 'safehold-bench-v1';

export interface BenchArgs {
  opts: RunOptions;
  only: string[];
  out: string | null;
  list: boolean;
  help: boolean;
  verbose: boolean;
  /** Keep the run's temp dir. */
  keep: boolean;
  /** A run of every metric at the standard sizes (gets a dated copy of its results). */
  complete: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--sizes N,N] [--only NAME[,NAME]] [--out FILE] [--seed S] [--list] [--verbose]
  --quick        1k and 10k records only (metrics defined on 100k run on 10k)
  --sizes N,N    record counts to run (e.g. --sizes 50 for a smoke run); k suffix allowed (10k)
  --only NAMES   run only these metrics (and their baselines)
  --out FILE     results file (default bench/results/latest.json; partial runs default to bench/results/partial.json)
  --seed S       fixture seed (default ${DEFAULT_SEED})
  --list         list the metrics and exit
  --keep         keep the run's temp dir (client homes, server copies) for inspection`;

function parseSize(s: string): number {
  const m = /^(\d+)(k)?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s}`);
  const n = Number(m[1]) * (m[2] ? 1000 : 1);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`bad size ${s}`);
  return n;
}

export function parseArgs(argv: string[]): BenchArgs {
  let quick = false;
  let sizes: number[] | null = null;
  const only: string[] = [];
  let out: string | null = null;
  let seed = DEFAULT_SEED;
  let list = false;
  let help = false;
  let verbose = false;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick': quick = true; break;
      case '--sizes': sizes = value().split(',').filter(Boolean).map(parseSize); break;
      case '--only': only.push(...value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--out': out = value(); break;
      case '--seed': seed = value(); break;
      case '--list': list = true; break;
      case '--verbose': case '-v': verbose = true; break;
      case '--keep': keep = true; break;
      case '--help': case '-h': help = true; break;
      default: throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  const runSizes = sizes ?? (quick ? QUICK_SIZES : FULL_SIZES);
  if (runSizes.length === 0) throw new Error('--sizes needs at least one size');
  const maxSize = Math.max(...runSizes);
  return {
    opts: {
      quick,
      sizes: [...new Set(runSizes)].sort((a, b) => a - b),
      seed,
      // Fewer repetitions when nothing is large (smoke) or in a quick run.
      repsScale: maxSize < 1000 ? 0.2 : quick ? 0.5 : 1,
    },
    only,
    out,
    list,
    help,
    verbose,
    keep,
    complete: sizes === null && only.length === 0 && seed === DEFAULT_SEED,
  };
}
