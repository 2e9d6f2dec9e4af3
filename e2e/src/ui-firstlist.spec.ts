/**
 * The first list of an online unlock from the offline copy (ADR 0120), in a real browser against the real server
 * and the real `safehold ui`: a user who holds an offline copy sees that copy's list at once, with the status
 * bar's "showing the local copy, refreshing…" state, and then the server's list in its place — a record
 * another user shared since the last sync appears, and a sealed record (never in an offline copy, R5) appears
 * with its badge. A user without the offline right gets the server's list first, with no such state.
 *
 * The server process is paused (SIGSTOP) from the moment the page asks for its first list until the copy is
 * on screen, so the online list cannot land before the copy is seen: without that, which of the two the page
 * shows first would depend on timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { World } from './offline-harness.js';
import { browser, startUi, uiEnv, watch } from './ui-harness.js';
import { shot, until } from './ui-team-harness.js';

/** The count texts the page showed, in order (recorded inside the page from its first paint). */
const RECORD_COUNTS = `
  window.__counts = [];
  new MutationObserver(() => {
    const c = document.querySelector('.listpane .count');
    const t = c ? c.textContent : null;
    if (t && /^\\d+ records?$/.test(t) && window.__counts[window.__counts.length - 1] !== t) window.__counts.push(t);
  }).observe(document, { subtree: true, childList: true, characterData: true });
`;

function counts(page: Page): Promise<string[]> {
  return page.evaluate('window.__counts || []') as Promise<string[]>;
}

function rowNamed(page: Page, name: string) {
  return page.getByRole('listitem').filter({ has: page.getByRole('button', { name: new RegExp(`^${name}`) }) });
}

test('web UI: the first list comes from the offline copy, then the online list replaces it', { timeout: 180_000 }, async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  await w.newUser('alice', 'main', { offlineDays: 30 });
  await w.newUser('bob', 'main');
  await w.newUser('carol', 'main');
  for (const n of ['Alpha mail', 'Beta wiki', 'Gamma CI']) await w.add('alice', ['--name', n, '--username', 'alice', '--password', `pw-${n}`]);
  // Sealed before the sync: shared to alice, but never in her offline copy (R5).
  const sealed = await w.add('bob', ['--name', 'Vault door', '--username', 'keeper', '--password', 'SEALED-pw-1']);
  await w.ok('bob', ['share', sealed, '--user', 'alice', '--rights', 'read']);
  await w.ok('bob', ['seal', sealed, '--approvers', 'bob', '--required', '1']);
  await w.ok('alice', ['offline', 'sync']);
  // Kept as the sync left it: no sync at unlock, so the copy cannot learn of what follows before the online list does.
  await w.ok('alice', ['offline', 'settings', '--after-login', 'off']);
  // Shared by another user online after alice's last sync.
  const fresh = await w.add('bob', ['--name', 'Delta shared later', '--username', 'bob', '--password', 'pw-delta']);
  await w.ok('bob', ['share', fresh, '--user', 'alice', '--rights', 'read']);
  const offline = await w.ok('alice', ['--offline', 'list', '--json']);
  assert.equal(offline.json.records.length, 3, 'the offline copy holds the three own records (no sealed, nothing shared later)');

  const ui = await startUi(uiEnv(w, 'alice'));
  t.after(async () => {
    await ui.stop();
  });
  const bctx = await browser(t);
  await bctx.addInitScript(RECORD_COUNTS);
  const page = await bctx.newPage();
  const seen = await watch(page);
  await page.goto(ui.url);
  await page.getByLabel('Master password', { exact: true }).fill(w.password('alice'));

  // The server pauses as the page asks for its first list; the page's request goes on (the copy needs no server).
  const pid = w.serverPid();
  assert.ok(pid, 'the server runs');
  let paused = false;
  await page.route('**/api/records?*', async (route) => {
    if (!paused) {
      paused = true;
      process.kill(pid, 'SIGSTOP');
    }
    await route.continue();
  });
  t.after(() => {
    if (paused) process.kill(pid, 'SIGCONT');
  });
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  const interim = page.locator('.statusbar .interim');
  try {
    await page.getByText('3 records', { exact: true }).waitFor({ timeout: 20_000 });
    await interim.waitFor({ timeout: 5_000 });
    assert.match(await interim.innerText(), /showing the local copy, refreshing from the server/);
    assert.equal(await rowNamed(page, 'Delta shared later').count(), 0, 'the copy has no record shared since the sync');
    await shot(page, 'first-list-offline-copy');
  } finally {
    process.kill(pid, 'SIGCONT');
    paused = false;
  }
  await page.unroute('**/api/records?*');

  // The server's list in place: the record shared since and the sealed one (with its badge), the state gone.
  await page.getByText('5 records', { exact: true }).waitFor({ timeout: 30_000 });
  await interim.waitFor({ state: 'detached', timeout: 10_000 });
  await rowNamed(page, 'Delta shared later').first().waitFor();
  await rowNamed(page, 'Vault door').first().getByText('sealed', { exact: true }).waitFor();
  assert.deepEqual(await counts(page), ['3 records', '5 records'], 'the copy first, then the server list');
  assert.equal(await page.locator('.statusbar .badge.offline').count(), 0, 'online all along: no Offline badge');
  await shot(page, 'first-list-online-replaced');
  // The status stream said so too: the copy's state while refreshing, then none.
  const states = seen.events.map((e) => (JSON.parse(e) as { interimList: { refreshing: boolean; count: number } | null }).interimList);
  const first = states.findIndex((s) => s !== null);
  assert.ok(first >= 0 && states[first]?.refreshing === true && states[first]?.count === 3, `an offline-copy state was streamed: ${JSON.stringify(states)}`);
  assert.equal(states[states.length - 1], null, 'and then none');

  // A search answers over the server's list now (the sealed record's name is searchable, as online).
  await page.getByLabel('Search', { exact: true }).fill('vault');
  await page.getByText('1 record', { exact: true }).waitFor();

  // Lock and unlock again: the copy first again, replaced again (the after-login sync stays off).
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await page.getByLabel('Master password', { exact: true }).fill(w.password('alice'));
  await page.evaluate('window.__counts = []');
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.getByText('5 records', { exact: true }).waitFor({ timeout: 30_000 });
  assert.ok(await until(async () => (await interim.count()) === 0), 'replaced again');
  const again = await counts(page);
  assert.equal(again[again.length - 1], '5 records');
  assert.ok(again.every((c) => c === '3 records' || c === '5 records'), `only the copy's and the server's counts: ${again.join(', ')}`);

  // A user without the offline right: the server's list is the first list, with no offline-copy state.
  const ui2 = await startUi(uiEnv(w, 'carol'));
  t.after(async () => {
    await ui2.stop();
  });
  await w.ok('alice', ['share', (offline.json.records as Array<{ id: string }>)[0]?.id ?? '', '--user', 'carol', '--rights', 'read']);
  const page2 = await bctx.newPage();
  const seen2 = await watch(page2);
  await page2.goto(ui2.url);
  await page2.getByLabel('Master password', { exact: true }).fill(w.password('carol'));
  await page2.getByRole('button', { name: 'Unlock', exact: true }).click();
  await page2.getByText('1 record', { exact: true }).waitFor({ timeout: 30_000 });
  assert.deepEqual(await counts(page2), ['1 record']);
  const states2 = seen2.events.map((e) => (JSON.parse(e) as { interimList: unknown }).interimList);
  assert.ok(states2.every((s) => s === null), 'no offline-copy state for a user without one');
});
