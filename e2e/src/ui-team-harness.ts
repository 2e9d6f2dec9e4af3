/** Helpers of the team-screen browser tests: one signed-in `safehold ui` page per user, and the page steps they share. */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import type { World } from './offline-harness.js';
import { SCREENSHOTS, browser, startUi, uiEnv, watch, type UiProcess, type Watched } from './ui-harness.js';

/** One user's UI: the process, its page (signed in), what the page received. */
export interface UserUi {
  ui: UiProcess;
  page: Page;
  seen: Watched;
}

/** Starts `user`'s `safehold ui` and signs in through the page (stopped by `t.after`). */
export async function signedIn(t: { after: (fn: () => Promise<void> | void) => void }, w: World, bctx: BrowserContext, user: string): Promise<UserUi> {
  const ui = await startUi(uiEnv(w, user));
  t.after(async () => {
    await ui.stop();
  });
  const page = await bctx.newPage();
  const seen = await watch(page);
  await page.goto(ui.url);
  await page.getByLabel('Master password', { exact: true }).fill(w.password(user));
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('button', { name: 'Passwords', exact: true }).waitFor();
  return { ui, page, seen };
}

/** One browser (closed by `t.after`) with a signed-in UI page per user, in the order given. */
export async function signedInAll(t: { after: (fn: () => Promise<void> | void) => void }, w: World, users: string[]): Promise<UserUi[]> {
  const bctx = await browser(t);
  const out: UserUi[] = [];
  for (const u of users) out.push(await signedIn(t, w, bctx, u));
  return out;
}

/** Polls an async condition. */
export async function until(f: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return f();
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(fileURLToPath(SCREENSHOTS), { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL(`${name}.png`, SCREENSHOTS)) });
}

/** The list row (button) of a record. */
export function rowButton(page: Page, name: string) {
  return page.getByRole('listitem').getByRole('button', { name: new RegExp(`^${name}`) });
}

/** Reads the list again, searches `name` and opens its detail. */
export async function openRecord(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Passwords', exact: true }).click();
  await page.getByRole('button', { name: 'Refresh list', exact: true }).click();
  await page.getByLabel('Search', { exact: true }).fill(name);
  await rowButton(page, name).first().click();
  await page.getByRole('heading', { level: 2, name: new RegExp(name) }).waitFor();
}

/** How many records the list shows for a search (after reading the list again). */
export async function countFor(page: Page, q: string): Promise<number> {
  await page.getByRole('button', { name: 'Passwords', exact: true }).click();
  await page.getByRole('button', { name: 'Refresh list', exact: true }).click();
  await page.getByLabel('Search', { exact: true }).fill(q);
  const text = page.getByText(/^\d+ records?$/);
  await text.waitFor();
  // The count follows the search (debounced): wait until it settles on the same value twice.
  let last = '';
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await text.innerText();
    if (now === last) break;
    last = now;
  }
  return Number(/^(\d+)/.exec(last)?.[1] ?? NaN);
}

/** A state-changing call of the page's own API from the test (cookie of that UI, its origin, the anti-CSRF header). */
export async function pagePost(u: UserUi, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const r = await u.page.request.post(`${u.ui.origin}/api${path}`, { headers: { Origin: u.ui.origin, 'X-Safehold-UI': '1', 'Content-Type': 'application/json' }, data: JSON.stringify(body) });
  return { status: r.status(), body: await r.text() };
}
