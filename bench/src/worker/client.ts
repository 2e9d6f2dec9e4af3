/** The parent's handle on a client worker process (worker/main.ts). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Unavailable } from '../metric.js';
import type { WorkerCmd, WorkerReply } from './protocol.js';

const workerJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

export class Worker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string | null) => void> = [];
  private stderr = '';
  private exited = false;

  constructor() {
    // SAFEHOLD_BENCH_WORKER_ARGS: extra node flags for the client worker (profiling: "--cpu-prof --cpu-prof-dir=DIR").
    const extra = (process.env['SAFEHOLD_BENCH_WORKER_ARGS'] ?? '').split(' ').filter(Boolean);
    this.child = spawn(process.execPath, [...extra, '--enable-source-maps', workerJs], { stdio: ['pipe', 'pipe', 'pipe'] });
    const rl = readline.createInterface({ input: this.child.stdout });
    rl.on('line', (line) => this.waiting.shift()?.(line));
    this.child.stderr.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString('utf8')).slice(-4000);
    });
    // A worker that died mid-run makes the next write fail with EPIPE: its exit (and stderr) is the news.
    this.child.stdin.on('error', () => undefined);
    this.child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** Sends one command and waits for its answer; a missing SDK function becomes Unavailable. */
  async send(cmd: WorkerCmd): Promise<WorkerReply> {
    if (this.exited) throw new Error(`client worker exited: ${this.stderr.trim().split('\n').pop() ?? ''}`);
    const line = await new Promise<string | null>((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
    if (line === null) throw new Error(`client worker exited: ${this.stderr.trim().split('\n').pop() ?? ''}`);
    const reply = JSON.parse(line) as WorkerReply;
    if (reply.unavailable) throw new Unavailable(reply.unavailable);
    if (!reply.ok) throw new Error(`client worker (${cmd.op}): ${reply.error ?? 'failed'}`);
    return reply;
  }

  /** Sends a command that must yield samples. */
  async samples(cmd: WorkerCmd): Promise<{ samples: number[]; reply: WorkerReply }> {
    const reply = await this.send(cmd);
    if (!reply.samples || reply.samples.length === 0) throw new Error(`client worker (${cmd.op}): no samples`);
    return { samples: reply.samples, reply };
  }

  async close(): Promise<void> {
    if (this.exited) return;
    try {
      await Promise.race([this.send({ op: 'exit' }), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      /* already gone */
    }
    // A worker asked to exit gets a moment to do so (a --cpu-prof worker writes its profile on exit).
    if (!this.exited) await new Promise<void>((r) => { const t = setTimeout(r, 2000); this.child.once('exit', () => { clearTimeout(t); r(); }); });
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
