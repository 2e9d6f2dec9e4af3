/**
 * What every command shares: global options, opening the account, printing (text or --json),
 * rendering SDK events on stderr. Commands only parse, call the SDK, and print.
 */
import type { Command } from 'commander';
import type { ClientContext, Home, SafeholdEvents, AccountFile, TransportOptions } from '@safehold/sdk';
import { passwordReader } from './password.js';
import { safeText } from './format.js';

/** The global options of spec §3.2. */
export interface GlobalOptions {
  home?: string;
  server?: string;
  user?: string;
  db?: string;
  json?: boolean;
  offline?: boolean;
  passwordStdin?: boolean;
  caFile?: string;
  insecureHttp?: boolean;
}

/** Streams and environment of one CLI run (injected for tests). */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Per-run CLI services handed to each command's registrar. */
export class Cli {
  private readonly contexts: ClientContext[] = [];
  private eventsObj: SafeholdEvents | null = null;
  private readPassword: ReturnType<typeof passwordReader> | null = null;
  private bar: { stop(): void; update(n: number): void; start(total: number, start: number): void; setTotal(n: number): void } | null = null;

  constructor(readonly io: CliIo) {}

  /** The global options as seen from a command (they may be given before or after it). */
  globals(cmd: Command): GlobalOptions {
    return cmd.optsWithGlobals<GlobalOptions>();
  }

  /** True when --json was given. */
  json(cmd: Command): boolean {
    return this.globals(cmd).json === true;
  }

  /** The client home (--home, SAFEHOLD_HOME, or the platform default). */
  async home(g: GlobalOptions): Promise<Home> {
    const sdk = await import('@safehold/sdk');
    return new sdk.Home(g.home ?? sdk.defaultHomeDir(this.io.env));
  }

  /** CA file (--ca-file, else SAFEHOLD_CA_FILE) and --insecure-http. */
  transport(g: GlobalOptions): TransportOptions {
    const caFile = g.caFile ?? (this.io.env.SAFEHOLD_CA_FILE || undefined);
    return { ...(caFile ? { caFile } : {}), insecureHttp: g.insecureHttp === true };
  }

  /** The master-password reader for this run. */
  passwords(g: GlobalOptions): ReturnType<typeof passwordReader> {
    this.readPassword ??= passwordReader({ env: this.io.env, fromStdin: g.passwordStdin === true });
    return this.readPassword;
  }

  /** SDK events rendered on stderr: warnings always, notices and progress only on a TTY. */
  async events(): Promise<SafeholdEvents> {
    if (this.eventsObj) return this.eventsObj;
    const { SafeholdEvents } = await import('@safehold/sdk');
    const ev = new SafeholdEvents();
    const tty = this.io.stderr.isTTY === true;
    ev.on('warning', (e) => this.io.stderr.write(`warning: ${safeText(e.message)}\n`));
    ev.on('notice', (e) => {
      if (tty) this.io.stderr.write(`${safeText(e.message)}\n`);
    });
    if (tty) {
      const cliProgress = (await import('cli-progress')).default;
      ev.on('progress', (p) => {
        if (p.total === null) return;
        if (!this.bar) {
          const bar = new cliProgress.SingleBar({ format: `${p.task} [{bar}] {value}/{total}`, stream: this.io.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic);
          bar.start(p.total, p.done);
          this.bar = bar;
        } else {
          this.bar.setTotal(p.total);
          this.bar.update(p.done);
        }
        if (p.done >= p.total) {
          this.bar.stop();
          this.bar = null;
        }
      });
    }
    this.eventsObj = ev;
    return ev;
  }

  /** Opens (unlocks) the account picked by the global options: SAFEHOLD_SESSION or the master password. */
  async open(cmd: Command): Promise<ClientContext> {
    const g = this.globals(cmd);
    const sdk = await import('@safehold/sdk');
    const ctx = await sdk.openSession({
      home: await this.home(g),
      server: g.server ?? null,
      user: g.user ?? null,
      db: g.db ?? null,
      password: this.passwords(g),
      sessionKey: this.io.env.SAFEHOLD_SESSION ?? null,
      events: await this.events(),
      transport: this.transport(g),
    });
    this.contexts.push(ctx);
    return ctx;
  }

  /** Keeps a context for zeroing at the end of the run. */
  track(ctx: ClientContext): ClientContext {
    this.contexts.push(ctx);
    return ctx;
  }

  /** The account picked by the global options, without unlocking it. */
  async account(cmd: Command): Promise<{ home: Home; account: AccountFile }> {
    const g = this.globals(cmd);
    const sdk = await import('@safehold/sdk');
    const home = await this.home(g);
    return { home, account: sdk.resolveAccount(home, g.server ?? null, g.user ?? null) };
  }

  /** Prints the JSON value under --json, else the text. */
  print(cmd: Command, value: unknown, text: string | (() => string)): void {
    if (this.json(cmd)) this.io.stdout.write(JSON.stringify(value) + '\n');
    else {
      const t = safeText(typeof text === 'string' ? text : text());
      if (t.length > 0) this.io.stdout.write(t.endsWith('\n') ? t : t + '\n');
    }
  }

  /**
   * After a refused command: every account unlocked in this run asks for its device's wipe orders and
   * applies them (issue 12.3: every refusal of a known device leads to its wipe). Never throws.
   */
  async wipeOnRefusal(error: unknown): Promise<void> {
    if (this.contexts.length === 0) return;
    const { wipeOnRefusal } = await import('@safehold/sdk');
    for (const c of this.contexts) await wipeOnRefusal(c, error);
  }

  /** Zeroes every unlocked key of this run. */
  async close(): Promise<void> {
    this.bar?.stop();
    if (this.contexts.length === 0) return;
    const { zeroContext } = await import('@safehold/sdk');
    for (const c of this.contexts) zeroContext(c);
    this.contexts.length = 0;
  }
}
