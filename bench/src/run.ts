/**
 * `npm run bench [-- --quick | --sizes N,N | --only NAME | --out FILE]`: runs the benchmarks of
 * spec §5 beside their baselines, prints a table and writes bench/results/latest.json (plus a dated
 * copy for a complete run).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './args.js';
import { METRICS } from './metrics/index.js';
import { runMetrics } from './runner.js';
import { formatTable, formatValue, writeReport } from './results.js';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(benchDir, '..');

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.list) {
    for (const m of METRICS) process.stdout.write(`${m.name}${m.baselineOnly ? ' (baseline)' : ''}\n`);
    return 0;
  }
  const started = Date.now();
  process.stderr.write(`bench: sizes ${args.opts.sizes.join(', ')}${args.opts.quick ? ' (quick)' : ''}\n`);
  const report = await runMetrics({
    defs: METRICS,
    opts: args.opts,
    root,
    cacheDir: path.join(benchDir, '.cache'),
    only: args.only,
    keepTmp: args.keep,
    log: (msg) => process.stderr.write(args.verbose || !msg.includes('\n') ? `bench: ${msg}\n` : `bench: ${msg.split('\n')[0]}\n`),
    onResult: (r) =>
      process.stderr.write(
        `bench:   ${r.name}${r.n === null ? '' : ` n=${r.n}`}: ${r.value === null ? r.reason : formatValue(r.value, r.unit)}` +
          `${r.ratio === null ? '' : ` (${r.ratio}x ${r.baseline?.name})`}\n`,
      ),
  });
  process.stdout.write(`\n${formatTable(report.metrics)}\n\n`);
  const out = args.out
    ? path.resolve(args.out)
    : path.join(benchDir, 'results', args.complete ? 'latest.json' : 'partial.json');
  const written = writeReport(report, out, args.complete && !args.out);
  process.stdout.write(`wrote ${written.map((f) => path.relative(process.cwd(), f)).join(', ')} in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
