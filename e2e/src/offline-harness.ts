/**
 * Harness of the offline e2e tests: the two real binaries (safehold-server on the embedded SQLite
 * default, safehold per user with its own home), like a user at a terminal or a script.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer } from 'node:net';
import { runProcess, runServerBin, startServerProcess, storageArgs, tempDir, removeDir, type ServerProcess } from '@safehold/testkit';

export const CLIENT_BIN = fileURLToPath(new URL('../../packages/cli/bin/safehold.js', import.meta.url));
const CLOCK_PRELOAD = pathToFileURL(fileURLToPath(new URL('./offline-clock.js', import.meta.url))).href;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed CLI output, checked field by field in the tests
}

export interface ClientOpts {
  /** Shift the client's clock by this many ms (E1 tests). */
  clockOffsetMs?: number;
  password?: string;
  /** Home directory override (two users on one device share one). */
  home?: string;
  env?: NodeJS.ProcessEnv;
}

/** One test world: a temp dir, a server data dir, a server process, per-user homes. */
export class World {
  readonly dir = tempDir('safehold-e2e-offline-');
  readonly dataDir = join(this.dir, 'server');
  private server: ServerProcess | null = null;
  private port = 0;
  /** Logs of the server processes stopped so far (for the secret scan of issue 17). */
  private pastLogs = '';
  url = '';

  static async create(t: { after: (fn: () => Promise<void> | void) => void }): Promise<World> {
    const w = new World();
    t.after(async () => {
      await w.stopServer();
      removeDir(w.dir);
    });
    return w;
  }

  /** Server Manager on the storage (works with or without a running server). */
  async sm(...args: string[]): Promise<Run> {
    const r = await runServerBin([...storageArgs({ dataDir: this.dataDir }), ...args]);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, json: r.json };
  }

  /** The Server Manager, failing the test on a non-zero exit. */
  async smOk(...args: string[]): Promise<Run> {
    const r = await this.sm(...args);
    if (r.code !== 0) throw new Error(`safehold-server ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  }

  /** Starts the server; a restart uses the same port, so the clients' account URL stays valid. */
  async startServer(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.server = await startServerProcess(storageArgs({ dataDir: this.dataDir }), {}, { port: this.port, timeoutMs: 30_000 });
    this.url = `http://127.0.0.1:${this.port}`;
  }

  async stopServer(): Promise<void> {
    const s = this.server;
    this.server = null;
    await s?.stop();
    if (s) this.pastLogs += s.logs();
  }

  /** Kills the server process with SIGKILL (issue 17's crash campaign) and waits until it is gone. */
  async killServer(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    const gone = new Promise<void>((r) => (s.proc.exitCode !== null || s.proc.signalCode !== null ? r() : s.proc.once('exit', () => r())));
    s.proc.kill('SIGKILL');
    await gone;
    this.pastLogs += s.logs();
  }

  /** Everything every server process of this world logged so far. */
  serverLogs(): string {
    return this.pastLogs + (this.server?.logs() ?? '');
  }

  /** The pid of the running server process, if one runs. */
  serverPid(): number | undefined {
    return this.server?.proc.pid;
  }

  home(user: string): string {
    return join(this.dir, `home-${user}`);
  }

  password(user: string): string {
    return `correct horse ${user} battery`;
  }

  clipboard(user: string): string {
    return join(this.dir, `clip-${user}`);
  }

  /** Runs `safehold ...args` as `user` on a pseudo-terminal (util-linux `script`): what a person at a terminal sees. */
  tty(user: string, args: string[]): Promise<Run> {
    const q = (x: string): string => `'${x.replace(/'/g, `'\\''`)}'`;
    const line = [process.execPath, CLIENT_BIN, ...args].map(q).join(' ');
    return this.client(user, [], { env: {}, spawnAs: ['script', ['-qec', line, '/dev/null']] });
  }

  /** Runs `safehold ...args` as `user`. */
  client(user: string, args: string[], o: ClientOpts & { spawnAs?: [string, string[]] } = {}): Promise<Run> {
    const home = o.home ?? this.home(user);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: join(this.dir, `hh-${user}`),
      SAFEHOLD_HOME: home,
      XDG_DATA_HOME: join(this.dir, `xdg-${user}`),
      SAFEHOLD_PASSWORD: o.password ?? this.password(user),
      SAFEHOLD_CLIPBOARD_CMD: `cat > ${this.clipboard(user)}`,
      ...(o.clockOffsetMs ? { SAFEHOLD_E2E_CLOCK_OFFSET_MS: String(o.clockOffsetMs), NODE_OPTIONS: `--import=${CLOCK_PRELOAD}` } : {}),
      ...o.env,
    };
    const [cmd, argv] = o.spawnAs ?? [process.execPath, [CLIENT_BIN, ...args]];
    return runProcess(cmd, argv, env);
  }

  /** Runs the client and fails the test unless it exits 0. */
  async ok(user: string, args: string[], o: ClientOpts = {}): Promise<Run> {
    const r = await this.client(user, args, o);
    if (r.code !== 0) throw new Error(`safehold ${args.join(' ')} as ${user} exited ${r.code}: ${r.stderr}`);
    return r;
  }

  /** Adds `user` to `db` (Server Manager) and registers them (client); `offlineDays` grants the offline right. */
  async newUser(user: string, db: string, o: { offlineDays?: number; home?: string } = {}): Promise<void> {
    const inv = await this.smOk('user', 'add', user, '--db', db, '--json');
    const invite = (inv.json as { invite: string | null }).invite;
    if (invite) await this.ok(user, ['register', '--server', this.url, '--user', user, '--invite', invite], o.home ? { home: o.home } : {});
    if (o.offlineDays !== undefined) await this.smOk('user', 'rights', user, '--db', db, '--offline', 'on', '--offline-days', String(o.offlineDays));
  }

  /** Adds a record as `user`; returns its id. */
  async add(user: string, args: string[], o: ClientOpts = {}): Promise<string> {
    const r = await this.ok(user, ['add', ...args, '--json'], o);
    return (r.json as { id: string }).id;
  }

  /** Every file under a directory (recursively). */
  files(dir: string): string[] {
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      // A running client may rename a temp file away between readdir and stat (seen in the crash spec).
      let dirEntry: boolean;
      try {
        dirEntry = statSync(p).isDirectory();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      if (dirEntry) out.push(...this.files(p));
      else out.push(p);
    }
    return out;
  }

  /** The offline files of a home (default location). */
  offlineFiles(user: string): string[] {
    return this.files(join(this.home(user), 'offline'));
  }

  readClipboard(user: string): string {
    return existsSync(this.clipboard(user)) ? readFileSync(this.clipboard(user), 'utf8') : '';
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until `f()` is true (clipboard helpers run detached). */
export async function eventually(f: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return f();
}

export const DAY_MS = 86_400_000;
