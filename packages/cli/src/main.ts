/**
 * Entry of the `safehold` binary. `--version` answers from here without loading anything heavy
 * (spec §5: cold start < 150 ms); everything else is imported on demand.
 */
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { runCli } = await import('./program.js');
  process.exitCode = await runCli(argv);
}
