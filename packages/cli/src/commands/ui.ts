/** `safehold ui`: the local web UI on 127.0.0.1 (issue 13), running until SIGINT/SIGTERM. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Cli } from '../runtime.js';
import { examples } from '../format.js';
import { usage } from '../usage.js';

interface UiOpts {
  port?: string;
  open?: boolean;
  minuteMs?: string;
}

/** Where the built page is (packages/web/dist beside this package). */
const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd.exe', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd as string, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => {
      /* no browser opener: the printed URL is there */
    });
    child.unref();
  } catch {
    /* the printed URL is there */
  }
}

export function registerUiCommands(program: Command, cli: Cli): void {
  program
    .command('ui')
    .description('the local web UI on 127.0.0.1: prints a one-time URL and opens the browser; runs until Ctrl-C')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option('--no-open', 'do not open the browser')
    .option('--minute-ms <ms>', 'length of one minute of the interval and idle-lock settings in ms (for tests)')
    .addHelpText('after', () => examples('safehold ui', 'safehold ui --port 8765 --no-open', 'safehold ui --json --no-open'))
    .action(async (o: UiOpts, cmd: Command) => {
      let port = 0;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!/^[0-9]+$/.test(o.port) || port < 1 || port > 65535) throw usage('--port takes a whole number from 1 to 65535');
      }
      let minuteMs = 60_000;
      if (o.minuteMs !== undefined) {
        minuteMs = Number(o.minuteMs);
        if (!/^[0-9]+$/.test(o.minuteMs) || minuteMs < 1) throw usage('--minute-ms takes a positive whole number');
      }
      const json = cli.json(cmd);
      const print = (url: string): void => {
        cli.io.stdout.write(json ? JSON.stringify({ url }) + '\n' : `Safehold UI: ${url}\n`);
        if (o.open !== false) openBrowser(url);
      };
      const home = await cli.home(cli.globals(cmd));
      const { askRunning, listenForOthers } = await import('../ui/instance.js');
      const running = await askRunning(home.dir);
      if (running) {
        print(running);
        return;
      }
      const sdk = await import('@safehold/sdk');
      const { UiState } = await import('../ui/state.js');
      const { loadStatic, startUiServer } = await import('../ui/server.js');
      const files = loadStatic(WEB_DIST);
      const state = new UiState(sdk, { home, env: cli.io.env, minuteMs, syncPage: 250, probeMs: 1000 });
      const ui = await startUiServer(state, files, port, cli.io.env);
      const others = await listenForOthers(home.dir, () => ui.newUrl());
      print(ui.newUrl());
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      state.lock();
      others.close();
      const { rmSync } = await import('node:fs');
      rmSync(join(home.dir, 'ui.sock'), { force: true });
      await ui.close();
    });
}
