/** Timing whole child processes (CLI start-up, keepassxc-cli, the CLI's offline search). */
import { spawn, spawnSync } from 'node:child_process';
import { nowMs } from './stats.js';

export interface ProcResult {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, feeding `input` on stdin, and measures spawn-to-exit wall time. */
export function timeProcess(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      const ms = nowMs() - t0;
      if (timer) clearTimeout(timer);
      resolve({ ms, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Whether an executable is on PATH. */
export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : null;
}

/**
 * The environment for timing a Node CLI: this machine's NODE_EXTRA_CA_CERTS makes every node
 * start-up read and parse a CA bundle (tens of ms), a setting of the workplace rather than of
 * Safehold, and no request of the timed commands leaves 127.0.0.1, so it is left out — for the
 * baseline `node -e 0` too. Passwords and session keys from the caller's environment are left out.
 */
export function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'SAFEHOLD_PASSWORD', 'SAFEHOLD_SESSION', 'SAFEHOLD_HOME']) delete env[k];
  return env;
}
