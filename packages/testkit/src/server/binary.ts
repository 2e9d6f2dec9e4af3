/** Runs the real `safehold-server` binary (for tests of the Server Manager and of multi-process setups). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real `safehold-server` binary, found next to the @safehold/server package this testkit resolves. */
export const SERVER_BIN = fileURLToPath(new URL('../bin/safehold-server.js', import.meta.resolve('@safehold/server')));

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON, else undefined. */
  json: unknown;
}

/** Storage flags for the binary. */
export function storageArgs(loc: { dataDir?: string | null; databaseUrl?: string | null }): string[] {
  return loc.databaseUrl ? ['--database-url', loc.databaseUrl] : ['--data', loc.dataDir ?? ''];
}

/** Runs `safehold-server ...args` to completion. */
export function runServerBin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<BinResult> {
  return runProcess(process.execPath, [SERVER_BIN, ...args], { ...process.env, SAFEHOLD_DATA: '', SAFEHOLD_DATABASE_URL: '', ...env });
}

/**
 * Runs `cmd ...argv` to completion with exactly `env`, collecting its output (for the server and the client
 * binaries); `input`, when given, is written to its standard input.
 */
export function runProcess(cmd: string, argv: string[], env: NodeJS.ProcessEnv, input?: string): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env });
    if (input !== undefined) p.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the process wrote to stdout so far (pino JSON lines). */
  logs(): string;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** Listen on this port (a restart keeping its clients' URLs); 0, the default, picks a free one. */
  port?: number;
  /** Give up (and SIGKILL the process) when it has not logged its URL by then; 20 s by default. */
  timeoutMs?: number;
}

/** Starts `safehold-server start --port <port, default 0>` and waits for its "listening" log line. */
export function startServerProcess(storage: string[], env: NodeJS.ProcessEnv = {}, opts: StartOptions = {}): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SERVER_BIN, ...storage, 'start', '--host', '127.0.0.1', '--port', String(opts.port ?? 0)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SAFEHOLD_DATA: '', SAFEHOLD_DATABASE_URL: '', ...env },
    });
    // The log is kept as chunks and searched for the URL only until it is found: appending to one string
    // and running the regex over it on every chunk flattened the whole log each time (quadratic: a server
    // answering 10^5 fuzzed requests made the test process, not the server, the bottleneck, issue 17).
    const chunks: string[] = [];
    let head = '';
    let err = '';
    let done = false;
    const out = (): string => {
      if (chunks.length > 1) chunks.splice(0, chunks.length, chunks.join(''));
      return chunks[0] ?? '';
    };
    const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
    const timer = setTimeout(() => {
      if (!done) {
        done = true;
        proc.kill('SIGKILL');
        reject(new Error(`server did not start: ${out()} ${err}`));
      }
    }, opts.timeoutMs ?? 20_000);
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      chunks.push(d.toString());
      if (done) return;
      head += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(head);
      if (m && m[1]) {
        done = true;
        head = '';
        clearTimeout(timer);
        resolve({
          url: m[1],
          proc,
          logs: out,
          async stop() {
            if (proc.exitCode === null) proc.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`server exited ${code}: ${out()} ${err}`));
      }
    });
  });
}
