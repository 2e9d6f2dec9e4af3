/**
 * Harness of the web UI tests: the real `safehold ui` process of one home, and Debian's chromium driven
 * by playwright-core (headless, a fresh user-data-dir each time; no browser is ever downloaded).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir, removeDir } from '@safehold/testkit';
import { CLIENT_BIN, type World } from './offline-harness.js';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'];

/** Where the tests write the screenshots the README shows. */
export const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);

/** A running `safehold ui`. */
export interface UiProcess {
  proc: ChildProcess;
  url: string;
  origin: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** The environment of `user`'s client processes (as World.client sets it), without a master password. */
export function uiEnv(w: World, user: string, home = w.home(user)): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(w.dir, `hh-${user}`),
    SAFEHOLD_HOME: home,
    XDG_DATA_HOME: join(w.dir, `xdg-${user}`),
    SAFEHOLD_CLIPBOARD_CMD: `cat > ${w.clipboard(user)}`,
  };
}

/** Runs `safehold ui --no-open --json ...args` and waits for its URL line (or its exit). */
export function startUi(env: NodeJS.ProcessEnv, args: string[] = []): Promise<UiProcess> {
  mkdirSync(env.SAFEHOLD_HOME ?? '.', { recursive: true, mode: 0o700 });
  const proc = spawn(process.execPath, [CLIENT_BIN, 'ui', '--no-open', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`safehold ui printed no URL in 20 s: ${err}`)), 20_000);
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0] ?? '';
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      try {
        const url = (JSON.parse(line) as { url: string }).url;
        const u = new URL(url);
        resolve({
          proc,
          url,
          origin: u.origin,
          port: Number(u.port),
          stdout: () => out,
          stderr: () => err,
          stop: async () => {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
            return exited;
          },
        });
      } catch (e) {
        reject(new Error(`safehold ui printed ${line}: ${String(e)}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`safehold ui exited ${code}: ${err}`));
    });
  });
}

/** What a page received: every response body (text) and every server-sent event, and CSP violations. */
export interface Watched {
  bodies: string[];
  events: string[];
  cspViolations(): Promise<string[]>;
}

/** A headless chromium with a fresh profile, 1280x800; closed (and its profile removed) by `t.after`. */
export async function browser(t: { after: (fn: () => Promise<void> | void) => void }): Promise<BrowserContext> {
  const profile = tempDir('safehold-chromium-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: false,
  });
  // Reported by the page itself: a CSP violation of any kind fails the test.
  await ctx.addInitScript(
    "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
  );
  t.after(async () => {
    await ctx.close();
    removeDir(profile);
  });
  return ctx;
}

/** Records everything the page receives. */
export async function watch(page: Page): Promise<Watched> {
  const w: Watched = {
    bodies: [],
    events: [],
    cspViolations: async () => (await page.evaluate('window.__csp || []')) as string[],
  };
  page.on('response', (r) => {
    if ((r.headers()['content-type'] ?? '').includes('text/event-stream')) return;
    r.text().then(
      (b) => w.bodies.push(b),
      () => {
        /* a redirect has no body */
      },
    );
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.eventSourceMessageReceived', (e: { data: string }) => w.events.push(e.data));
  return w;
}

/** Removes a directory tree (re-exported for the specs). */
export { removeDir };
