/**
 * The web UI's own figures, through the real `safehold ui` process in Debian's chromium (playwright-core),
 * against a real server on a copy of the fixture, each beside the same run's in-process SDK figure:
 * - `ui_first_list_ms`: Unlock pressed → the first list rendered (its whole count shown, rows in the DOM) for a
 *   user who holds an offline copy on this device (ADR 0120: the first list is that copy's); its detail gives
 *   `onlineMs`, Unlock → the server's list in its place (the status bar's "offline copy" state gone). Beside
 *   `ui_sdk_copy_list_ms`: openSession + openOfflineSource + list in the bench process.
 * - `ui_first_list_cold_ms`: the same for a user without an offline copy (the first list is the server's: every
 *   header fetched and decrypted). Beside `ui_sdk_list_ms`: openSession + listRecords.
 * - `ui_search_p95_ms`: a keystroke in Search → the list updated to that query's hits, on the copy user's page
 *   once the server's list is in place. Beside `ui_sdk_search_p95_ms`: searchRecords over that list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { chromium, type Page } from 'playwright-core';
import { Home, listRecords, login, openOfflineSource, openSession, prepareSearch, searchRecords, syncOffline, zeroContext, type RecordView } from '@safehold/sdk';
import { Unavailable, type MetricContext, type MetricDef, type Measured } from '../metric.js';
import { median, nowMs, quantile } from '../stats.js';
import { cliEnv } from '../proc.js';
import { serveCopy, vaultFixture, type VaultFixture } from '../fixtures/vault.js';
import { searchQueries } from '../fixtures/records.js';

const SIZES = [10_000, 100_000];
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'];

/** Which user's device: one holding an offline copy of the database, or one without (cold online). */
type Kind = 'copy' | 'cold';

interface UiBench {
  fx: VaultFixture;
  kind: Kind;
  page: Page;
  /** The account's online list as the SDK opens it in process (the expected counts). */
  list: readonly RecordView[];
  /** The offline copy's list (copy kind; the count the first list shows). */
  copy: readonly RecordView[] | null;
  /** The in-process floor of this kind's first list: openSession + (offline copy | server) list. */
  sdkListMs: number[];
}

function need(n: number | null): number {
  if (n === null) throw new Error('this metric needs n');
  return n;
}

/** Starts `safehold ui` for `home` and resolves to its one-time URL; stopped at the end of the run. */
function startUi(ctx: MetricContext, home: string): Promise<string> {
  const bin = path.join(ctx.root, 'packages/cli/bin/safehold.js');
  const proc = spawn(process.execPath, [bin, 'ui', '--no-open', '--json'], { env: { ...cliEnv(), SAFEHOLD_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  ctx.onCleanup(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0] ?? '') as { url: string }).url);
    });
    void exited.then(() => reject(new Error(`safehold ui exited: ${err.trim().split('\n').pop() ?? ''}`)));
  });
}

/** The fixture's server copy, shared by both kinds of device. */
function uiServer(ctx: MetricContext, n: number): Promise<{ fx: VaultFixture; url: string }> {
  return ctx.shared(`ui-server@${n}`, async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Unavailable(`not available: chromium (${CHROMIUM}; scripts/ensure-chromium.sh installs it)`);
    if (!fs.existsSync(path.join(ctx.root, 'packages/web/dist/index.html'))) throw new Unavailable('not available: packages/web is not built');
    const fx = await vaultFixture(ctx, n);
    const server = await serveCopy(ctx, fx, `ui-${n}`);
    return { fx, url: server.url };
  });
}

/** One signed-in home of `kind`, its `safehold ui` and a chromium page on it (shared by the UI metrics). */
function uiBench(ctx: MetricContext, n: number, kind: Kind): Promise<UiBench> {
  return ctx.shared(`ui-${kind}@${n}`, async () => {
    const { fx, url: server } = await uiServer(ctx, n);
    const home = path.join(ctx.tmpDir, `ui-${n}-${kind}-home`);
    const args = { server, user: fx.user, db: fx.db, password: async () => fx.password };
    // The account on this device (login; no offline database is made by it, R3), and for `copy` the first sync.
    const first = await login({ home: new Home(home), ...args });
    try {
      if (kind === 'copy' && !(await syncOffline(first, { create: true }))) throw new Error('the first offline sync made no offline database');
    } finally {
      zeroContext(first);
    }
    // What the UI's unlock must do at least, in process: the SDK floor of this kind's first list.
    const sdkListMs: number[] = [];
    let list: readonly RecordView[] = [];
    let copy: readonly RecordView[] | null = null;
    for (let i = 0; i < (n >= 100_000 ? ctx.reps(2) : ctx.reps(3)); i++) {
      const t0 = nowMs();
      const s = await openSession({ home: new Home(home), ...args });
      try {
        if (kind === 'copy') {
          const src = await openOfflineSource(s);
          if (!src) throw new Error('no offline copy to open');
          try {
            copy = prepareSearch([...(await src.list())]);
          } finally {
            src.close();
          }
          sdkListMs.push(nowMs() - t0);
          list = prepareSearch(await listRecords(s));
        } else {
          list = prepareSearch(await listRecords(s));
          sdkListMs.push(nowMs() - t0);
        }
      } finally {
        zeroContext(s);
      }
    }
    const url = await startUi(ctx, home);
    const profile = path.join(ctx.tmpDir, `ui-${n}-${kind}-chromium`);
    const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 } });
    ctx.onCleanup(() => browser.close());
    const page = await browser.newPage();
    await page.goto(url);
    return { fx, kind, page, list, copy, sdkListMs };
  });
}

const count = (n: number): string => `${n} record${n === 1 ? '' : 's'}`;

/**
 * In the page: presses Unlock and waits (DOM mutations, no polling) until the list shows `text` as its count with
 * rows in the DOM, then one frame more (painted); resolves to that time and whether the status bar then said
 * "offline copy". Timed inside the page, so no driver round trip is counted. A script string: this package is
 * compiled without the DOM library.
 */
function pressUnlockAndWait(page: Page, text: string): Promise<{ ms: number; copyShown: boolean }> {
  const script = `new Promise((resolve, reject) => {
    const text = ${JSON.stringify(text)};
    const btn = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Unlock');
    if (!btn) return reject(new Error('no Unlock button'));
    const done = () => {
      const c = document.querySelector('.listpane .count');
      return c !== null && c.textContent === text && document.querySelector('.listpane li .row') !== null;
    };
    // Whether the status bar showed the offline-copy state at any moment from the click on (read after the run).
    if (window.__copyObs) window.__copyObs.disconnect();
    window.__copySeen = false;
    window.__copyObs = new MutationObserver(() => {
      if (document.querySelector('.statusbar .interim')) window.__copySeen = true;
    });
    window.__copyObs.observe(document.body, { subtree: true, childList: true });
    const timer = setTimeout(() => reject(new Error('no list of ' + text + ' in 600 s')), 600000);
    let t0 = 0;
    const obs = new MutationObserver(() => {
      if (!done()) return;
      obs.disconnect();
      clearTimeout(timer);
      const copyShown = document.querySelector('.statusbar .interim') !== null;
      requestAnimationFrame(() => resolve({ ms: performance.now() - t0, copyShown }));
    });
    obs.observe(document.body, { subtree: true, childList: true, characterData: true });
    t0 = performance.now();
    btn.click();
  })`;
  return page.evaluate(script) as Promise<{ ms: number; copyShown: boolean }>;
}

/**
 * Unlock pressed → the first list's whole count shown, its rows in the DOM and painted (`ms`); whether that list
 * was the offline copy (the status bar said so); Unlock → the server's list in its place (`onlineMs`).
 */
async function unlockToList(b: UiBench): Promise<{ ms: number; copyShown: boolean; onlineMs: number }> {
  const { page } = b;
  const master = page.getByLabel('Master password', { exact: true });
  await master.waitFor({ timeout: 120_000 });
  await master.fill(b.fx.password);
  const first = b.copy ?? b.list;
  const t0 = nowMs();
  const shown = await pressUnlockAndWait(page, count(first.length));
  const ms = shown.ms;
  const rows = await page.getByRole('listitem').count();
  if (rows < 5 || rows > 200) throw new Error(`the list shows ${rows} rows in the DOM for ${first.length} records (not windowed?)`);
  // The server's list in place: the status bar's offline-copy state gone, the online count shown.
  await page.locator('.statusbar .interim').waitFor({ state: 'detached', timeout: 600_000 });
  await page.getByText(count(b.list.length), { exact: true }).waitFor({ timeout: 600_000 });
  const onlineMs = nowMs() - t0;
  // The status stream may land a moment after the list's answer (another connection): seen at any moment counts.
  const copyShown = shown.copyShown || ((await page.evaluate('window.__copySeen === true')) as boolean);
  if (b.kind === 'cold' && copyShown) throw new Error('a device without offline copy showed an offline copy');
  return { ms, copyShown, onlineMs };
}

async function lock(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await page.getByLabel('Master password', { exact: true }).waitFor({ timeout: 60_000 });
}

/**
 * In the page: types `q` into Search and waits (DOM mutations, no polling) until the list answers that query
 * with `want` hits. A script string: this package is compiled without the DOM library.
 */
function typeAndWait(page: Page, q: string, want: number): Promise<number> {
  const text = `${want} record${want === 1 ? '' : 's'}`;
  const script = `new Promise((resolve, reject) => {
    const q = ${JSON.stringify(q)}, text = ${JSON.stringify(text)};
    const input = document.querySelector('input[type=search]');
    const pane = document.querySelector('.listpane');
    if (!input || !pane) return reject(new Error('no search box'));
    const done = () => { const c = pane.querySelector('.count'); return c !== null && c.dataset.q === q && c.textContent === text; };
    const t0 = performance.now();
    const timer = setTimeout(() => reject(new Error('no list for ' + q + ' in 30 s')), 30000);
    const obs = new MutationObserver(() => {
      if (!done()) return;
      obs.disconnect();
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
    obs.observe(pane, { subtree: true, childList: true, characterData: true, attributes: true });
    input.value = q;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  })`;
  return page.evaluate(script) as Promise<number>;
}

function queriesFor(ctx: MetricContext, n: number): string[] {
  const qs = searchQueries(ctx.opts.seed, 40);
  const rounds = n >= 100_000 ? 1 : ctx.reps(2);
  return Array.from({ length: rounds }, () => qs).flat();
}

export const uiSdkList: MetricDef = {
  name: 'ui_sdk_list_ms',
  unit: 'ms',
  sizes: SIZES,
  baselineOnly: true,
  async run(ctx, n): Promise<Measured> {
    const b = await uiBench(ctx, need(n), 'cold');
    return { value: median(b.sdkListMs), detail: { runs: b.sdkListMs.length, records: b.list.length } };
  },
};

export const uiSdkCopyList: MetricDef = {
  name: 'ui_sdk_copy_list_ms',
  unit: 'ms',
  sizes: SIZES,
  baselineOnly: true,
  async run(ctx, n): Promise<Measured> {
    const b = await uiBench(ctx, need(n), 'copy');
    return { value: median(b.sdkListMs), detail: { runs: b.sdkListMs.length, records: b.copy?.length ?? 0 } };
  },
};

async function firstLists(ctx: MetricContext, b: UiBench, n: number): Promise<Measured> {
  const samples: number[] = [];
  const online: number[] = [];
  let copyShown = 0;
  const runs = n >= 100_000 ? ctx.reps(2) : ctx.reps(3);
  for (let i = 0; i < runs + 1; i++) {
    const r = await unlockToList(b);
    // The first warms the browser and the UI process.
    if (i > 0) {
      samples.push(r.ms);
      online.push(r.onlineMs);
      if (r.copyShown) copyShown++;
    }
    if (i < runs) await lock(b.page);
  }
  const detail: Record<string, string | number | boolean> = { runs, records: (b.copy ?? b.list).length, min: Math.min(...samples), max: Math.max(...samples) };
  if (b.kind === 'copy') Object.assign(detail, { copyShown, onlineRecords: b.list.length, onlineMs: median(online), onlineMax: Math.max(...online) });
  return { value: median(samples), detail };
}

export const uiFirstList: MetricDef = {
  name: 'ui_first_list_ms',
  unit: 'ms',
  sizes: SIZES,
  baseline: 'ui_sdk_copy_list_ms',
  target: (n) => ({ op: '<', value: n !== null && n >= 100_000 ? 2000 : 1000 }),
  async run(ctx, n): Promise<Measured> {
    const b = await uiBench(ctx, need(n), 'copy');
    const m = await firstLists(ctx, b, need(n));
    if (m.detail?.['copyShown'] === 0) throw new Error('no unlock showed the offline copy first');
    return m;
  },
};

export const uiFirstListCold: MetricDef = {
  name: 'ui_first_list_cold_ms',
  unit: 'ms',
  sizes: SIZES,
  baseline: 'ui_sdk_list_ms',
  async run(ctx, n): Promise<Measured> {
    return firstLists(ctx, await uiBench(ctx, need(n), 'cold'), need(n));
  },
};

export const uiSdkSearchP95: MetricDef = {
  name: 'ui_sdk_search_p95_ms',
  unit: 'ms',
  sizes: SIZES,
  baselineOnly: true,
  async run(ctx, n): Promise<Measured> {
    const b = await uiBench(ctx, need(n), 'copy');
    const samples: number[] = [];
    for (const q of queriesFor(ctx, need(n))) {
      const t0 = nowMs();
      searchRecords(b.list, q);
      samples.push(nowMs() - t0);
    }
    return { value: quantile(samples, 0.95), detail: { searches: samples.length, p50: median(samples) } };
  },
};

export const uiSearchP95: MetricDef = {
  name: 'ui_search_p95_ms',
  unit: 'ms',
  sizes: SIZES,
  baseline: 'ui_sdk_search_p95_ms',
  target: (n) => (n !== null && n >= 100_000 ? { op: '<', value: 100 } : null),
  async run(ctx, n): Promise<Measured> {
    const b = await uiBench(ctx, need(n), 'copy');
    const { page } = b;
    // Unlocked, with the server's list in place (unlockToList waits for it).
    if (await page.getByLabel('Master password', { exact: true }).isVisible()) await unlockToList(b);
    const samples: number[] = [];
    let hits = 0;
    for (const q of queriesFor(ctx, need(n))) {
      const want = searchRecords(b.list, q).length;
      hits += want;
      samples.push(await typeAndWait(page, q, want));
    }
    return { value: quantile(samples, 0.95), detail: { searches: samples.length, p50: median(samples), max: Math.max(...samples), hits } };
  },
};
