/** `safehold agent`: the interval sync (R9) in the foreground, one log line per run. */
import type { Command } from 'commander';
import type { Cli } from '../runtime.js';
import { examples, safeText } from '../format.js';
import { usage } from '../usage.js';

interface AgentOpts {
  once?: boolean;
  maxRuns?: string;
  minuteMs?: string;
}

export function registerAgentCommands(program: Command, cli: Cli): void {
  program
    .command('agent')
    .description('sync the offline database every interval of `offline settings` (default 30 minutes); logs each run')
    .addHelpText('after', () => examples('safehold agent', 'safehold agent --once', 'safehold agent --json --max-runs 3'))
    .option('--once', 'one run, then exit')
    .option('--max-runs <n>', 'stop after N runs')
    .option('--minute-ms <ms>', 'length of one interval minute in ms (for tests)')
    .action(async (o: AgentOpts, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const num = (v: string | undefined, flag: string): number | undefined => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw usage(`${flag} takes a positive whole number`);
        return n;
      };
      const maxRuns = o.once ? 1 : num(o.maxRuns, '--max-runs');
      const minuteMs = num(o.minuteMs, '--minute-ms');
      const ctx = await cli.open(cmd);
      let stop = false;
      let wake: (() => void) | null = null;
      const onSignal = (): void => {
        stop = true;
        wake?.();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const json = cli.json(cmd);
      try {
        await sdk.runAgent(ctx, {
          sleep: (ms) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, ms);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            }),
          log: (line) => cli.io.stdout.write(json ? `${JSON.stringify({ at: line.slice(0, line.indexOf(' ')), message: line.slice(line.indexOf(' ') + 1) })}\n` : `${safeText(line)}\n`),
          ...(maxRuns !== undefined ? { maxRuns } : {}),
          ...(minuteMs !== undefined ? { minuteMs } : {}),
          shouldStop: () => stop,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
