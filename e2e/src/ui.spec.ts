/**
 * The web UI in a real browser (Debian's chromium via playwright-core) against the real server and the
 * real `safehold ui` process: sign in, search, copy and reveal rules for plain / masked / sealed records
 * (a masked secret absent from the DOM and from everything the page received), the manual first sync
 * with its moving progress bar and completion notice, add and edit with the after-save sync, a stale
 * revision shown as a conflict, the offline fallback within 5 s and back, lock and idle lock, a fresh
 * URL from a second `safehold ui`, adding an account with an invite. Screenshots go to docs/screenshots/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Home, openSession, createRecord, zeroContext } from '@safehold/sdk';
import { runProcess } from '@safehold/testkit';
import type { Page } from 'playwright-core';
import { World, CLIENT_BIN, eventually } from './offline-harness.js';
import { SCREENSHOTS, browser, startUi, uiEnv, watch } from './ui-harness.js';

const PLAIN_PW = 'PLAIN-pw-Q7-billing';
const MASKED_PW = 'MASKED-zq81-secret-router';
const SEALED_PW = 'SEALED-pw-77-vault';
const BULK = 1000;

/** Polls an async condition (a string predicate in the page would need eval, which the CSP forbids). */
async function until(f: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return f();
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(fileURLToPath(SCREENSHOTS), { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL(`${name}.png`, SCREENSHOTS)) });
}

function row(page: Page, name: string) {
  return page.getByRole('listitem').filter({ has: page.getByRole('button', { name: new RegExp(`^${name}`) }) });
}

async function openRecord(page: Page, name: string): Promise<void> {
  await page.getByLabel('Search', { exact: true }).fill(name);
  await row(page, name).first().getByRole('button').click();
  await page.getByRole('heading', { level: 2, name: new RegExp(name) }).waitFor();
}

test('web UI: sign in, records, copy/reveal rules, sync with progress, edits, offline fallback, locks', { timeout: 240_000 }, async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  await w.newUser('alice', 'main', { offlineDays: 30 });
  await w.newUser('bob', 'main');
  const plainId = await w.add('alice', ['--name', 'Billing portal', '--username', 'billing', '--password', PLAIN_PW, '--url', 'https://billing.example.test', '--tag', 'finance', '--notes', 'Ask Zoë']);
  const maskedId = await w.add('bob', ['--name', 'Core router', '--username', 'admin', '--password', MASKED_PW, '--masked', '--tag', 'network']);
  await w.ok('bob', ['share', maskedId, '--user', 'alice', '--rights', 'read,export']);
  const sealedId = await w.add('bob', ['--name', 'Vault door', '--username', 'keeper', '--password', SEALED_PW]);
  await w.ok('bob', ['share', sealedId, '--user', 'alice', '--rights', 'read,export']);
  await w.ok('bob', ['seal', sealedId, '--approvers', 'bob', '--required', '1']);
  // Enough records that the first sync takes several pages (the UI asks 250 per page).
  const seedStart = Date.now();
  const ctx = await openSession({ home: new Home(w.home('alice')), password: async () => w.password('alice') });
  try {
    for (let i = 0; i < BULK; i++) await createRecord(ctx, { name: `bulk-${String(i).padStart(4, '0')}`, username: `user${i}`, password: `pw-${i}`, tags: i % 2 ? ['odd'] : ['even'] });
  } finally {
    zeroContext(ctx);
  }
  t.diagnostic(`seeded ${BULK} records in ${Date.now() - seedStart} ms`);

  const env = uiEnv(w, 'alice');
  const ui = await startUi(env, ['--minute-ms', '3000']);
  t.after(async () => {
    await ui.stop();
  });
  const bctx = await browser(t);
  const page = await bctx.newPage();
  const seen = await watch(page);

  // --- sign in: the one-time URL, then the token is gone from the address bar; one account preselected.
  await page.goto(ui.url);
  assert.equal(page.url(), `${ui.origin}/`, 'the token is removed from the address bar');
  const master = page.getByLabel('Master password', { exact: true });
  await master.waitFor();
  assert.ok(await until(async () => (await page.evaluate("document.activeElement && document.activeElement.getAttribute('autocomplete')")) === 'current-password'), 'the master password field has the focus');
  await shot(page, 'unlock');
  await master.fill('not the password');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong master password' }).waitFor();
  await master.fill(w.password('alice'));
  await master.press('Enter');
  await page.getByRole('button', { name: 'Passwords' }).waitFor();
  await page.getByText(`${BULK + 3} records`).waitFor();
  const inDom = await page.getByRole('listitem').count();
  assert.ok(inDom > 5 && inDom < 60, `the list is virtualised: ${inDom} of ${BULK + 3} rows in the DOM`);
  // The list is windowed over the wire too (300 rows per answer): scrolled to the end, the last rows are fetched.
  await page.evaluate("document.querySelector('.vlist').scrollTop = 1e9");
  await row(page, 'Vault door').first().waitFor({ timeout: 10_000 });
  await page.evaluate("document.querySelector('.vlist').scrollTop = 0");
  await row(page, 'Billing portal').first().waitFor();

  // --- search matches what the CLI's search matches; the tag filter (online).
  const search = page.getByLabel('Search', { exact: true });
  await search.fill('zoe');
  await page.getByText('1 record', { exact: true }).waitFor();
  const cli = await w.ok('alice', ['search', 'zoe', '--json']);
  assert.deepEqual(cli.json.records.map((r: { name: string }) => r.name), ['Billing portal']);
  await search.fill('');
  await page.getByLabel('Tag', { exact: true }).selectOption('network');
  await page.getByText('1 record', { exact: true }).waitFor();
  await page.getByLabel('Tag', { exact: true }).selectOption('');

  // --- a plain record: copy (in the local process, through the clipboard helper) and reveal.
  await openRecord(page, 'Billing portal');
  await page.getByRole('button', { name: 'Copy username' }).click();
  assert.ok(await eventually(() => w.readClipboard('alice') === 'billing'), 'username copied');
  await page.getByRole('button', { name: 'Copy password' }).click();
  assert.ok(await eventually(() => w.readClipboard('alice') === PLAIN_PW), 'password copied');
  await page.getByRole('button', { name: 'Reveal password' }).click();
  await page.getByText(PLAIN_PW).waitFor();
  await page.getByRole('button', { name: 'Hide password' }).click();
  await search.fill('');
  await page.getByText(`${BULK + 3} records`).waitFor();
  await shot(page, 'passwords');

  // --- a masked record: copy yes, reveal no; its secret never reaches the page.
  await openRecord(page, 'Core router');
  assert.equal(await page.getByRole('button', { name: 'Reveal password' }).count(), 0, 'no Reveal for a masked record');
  await page.getByText('masked for you').waitFor();
  await page.getByRole('button', { name: 'Copy password' }).click();
  assert.ok(await eventually(() => w.readClipboard('alice') === MASKED_PW), 'a masked password can be copied');
  const refused = await bctx.request.post(`${ui.origin}/api/records/${maskedId}/reveal`, { headers: { 'X-Safehold-UI': '1', Origin: ui.origin } });
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).error.code, 'masked');
  await shot(page, 'record-masked');

  // --- a sealed record: neither reveal nor copy.
  await openRecord(page, 'Vault door');
  assert.equal(await page.getByRole('button', { name: 'Reveal password' }).count(), 0, 'no Reveal for a sealed record');
  assert.equal(await page.getByRole('button', { name: 'Copy password' }).isDisabled(), true);
  await page.getByText('needs an approved release').waitFor();

  // --- Account: the settings, then the manual first sync with a moving progress bar and the notice.
  await page.getByRole('button', { name: 'Account' }).click();
  await page.getByLabel('Sync interval (minutes)', { exact: true }).fill('1000');
  assert.equal(await page.getByLabel('Sync after saving a record', { exact: true }).isChecked(), true);
  assert.equal(await page.getByLabel('Sync after login', { exact: true }).isChecked(), true);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  const settings = await w.ok('alice', ['offline', 'settings', '--json']);
  assert.equal(settings.json.intervalMinutes, 1000, 'the UI writes the settings the CLI uses');
  assert.equal(await page.getByLabel('Offline database path', { exact: true }).inputValue(), settings.json.path);
  await page.evaluate(`window.__progress = []; new MutationObserver(() => {
      const b = document.querySelector('[role=status] [role=progressbar]');
      if (b) window.__progress.push([b.getAttribute('aria-valuenow'), b.getAttribute('aria-valuemax')]);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow', 'aria-valuemax'] });`);
  await page.getByRole('button', { name: 'Synchronise offline now' }).click();
  const bar = page.getByRole('status').getByRole('progressbar');
  await bar.waitFor();
  // For the picture: once the total is known (a fast machine may finish first, which the assertions below allow).
  await page.locator('[role=status] [role=progressbar][aria-valuemax]').waitFor({ timeout: 10_000 }).catch(() => undefined);
  await shot(page, 'sync-progress');
  const status = page.getByRole('status');
  await status.getByText(`offline sync completed: ${BULK + 2} added, 0 updated, 0 removed, ${BULK + 2} total`).waitFor({ timeout: 60_000 });
  const progress = (await page.evaluate('window.__progress')) as Array<[string, string]>;
  const values = [...new Set(progress.map(([v]) => Number(v)))];
  assert.ok(values.filter((v) => v > 0 && v < BULK + 2).length >= 2, `the progress bar moved: ${JSON.stringify(progress)}`);
  const maxes = progress.flatMap(([, max]) => (max === null ? [] : [Number(max)]));
  assert.ok(maxes.length > 0 && maxes.every((m) => m === BULK + 2), `aria-valuemax is the total: ${JSON.stringify(progress)}`);
  t.diagnostic(`progress bar values seen: ${JSON.stringify(progress)}`);
  assert.equal(await page.title(), 'Safehold', 'the tab title is back after the sync');
  await page.getByRole('definition').filter({ hasText: new RegExp(`^${BULK + 2}$`) }).waitFor();
  await page.getByRole('cell', { name: String(BULK + 2), exact: true }).waitFor();
  await status.getByText('last synced just now').waitFor();
  await status.getByText(/(29|30) days left/).waitFor();
  await shot(page, 'account');

  // --- add with the generator: the after-save sync runs and says so.
  await page.getByRole('button', { name: 'Passwords' }).click();
  await page.getByRole('button', { name: 'New record' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Mail server');
  await page.getByLabel('Username', { exact: true }).fill('postmaster');
  await page.getByLabel('Length', { exact: true }).fill('32');
  await page.getByLabel('symbols', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Generate' }).click();
  const pw = page.getByLabel('Password', { exact: true });
  assert.ok(await until(async () => (await pw.inputValue()).length === 32), 'a generated password of 32');
  const generated = await pw.inputValue();
  assert.match(generated, /^[A-Za-z0-9]{32}$/);
  await page.getByLabel('URL', { exact: true }).fill('https://mail.example.test');
  await page.getByLabel('Notes', { exact: true }).fill('MX primary');
  await page.getByLabel('Tags', { exact: true }).fill('ops, mail');
  await shot(page, 'editor');
  await page.getByRole('button', { name: 'Save' }).click();
  await status.getByText(`offline sync completed: 1 added, 0 updated, 0 removed, ${BULK + 3} total`).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Mail server' }).waitFor();
  const shown = await w.ok('alice', ['search', 'Mail server', '--json', '--offline']);
  assert.deepEqual(shown.json.records.map((r: { name: string; tags: string[] }) => [r.name, r.tags]), [['Mail server', ['ops', 'mail']]]);

  // --- edit: the after-save sync again.
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Username', { exact: true }).fill('hostmaster');
  await page.getByRole('button', { name: 'Save' }).click();
  await status.getByText(`offline sync completed: 0 added, 1 updated, 0 removed, ${BULK + 3} total`).waitFor();

  // --- delete (after a confirmation): the after-save sync removes it offline too.
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await status.getByText(`offline sync completed: 0 added, 0 updated, 1 removed, ${BULK + 2} total`).waitFor();
  await page.getByText('Pick a record to see it.').waitFor();

  // --- a stale revision is shown as a conflict, never a silent overwrite.
  await openRecord(page, 'Billing portal');
  await page.getByRole('button', { name: 'Edit' }).click();
  await w.ok('alice', ['edit', plainId, '--notes', 'changed from the CLI']);
  await page.getByLabel('Username', { exact: true }).fill('billing-ui');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: 'Conflict' }).waitFor();
  const kept = await w.ok('alice', ['show', plainId, '--json']);
  assert.equal(kept.json.notes, 'changed from the CLI');
  assert.equal(kept.json.username, 'billing');
  await page.getByRole('button', { name: 'Cancel' }).click();

  // --- the server goes away: the Offline badge within 5 s, records and search still work, server actions disabled.
  const offlineBadge = status.getByText('Offline', { exact: true });
  assert.equal(await offlineBadge.count(), 0);
  assert.doesNotMatch(await status.innerText(), /Offline/, 'no "Offline" in the status bar while online');
  await w.stopServer();
  const stoppedAt = Date.now();
  await offlineBadge.waitFor({ timeout: 5000 });
  assert.ok(Date.now() - stoppedAt <= 5000);
  await search.fill('core');
  await row(page, 'Core router').first().waitFor();
  await search.fill('Vault door');
  await page.getByText('0 records', { exact: true }).waitFor();
  await search.fill('billing');
  await openRecord(page, 'Billing portal');
  assert.equal(await page.getByRole('button', { name: 'New record' }).isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Delete' }).isDisabled(), true);
  assert.equal(await page.getByLabel('Tag', { exact: true }).isDisabled(), true);
  await page.getByText('Editing and deleting need the server.').waitFor();
  await page.getByRole('button', { name: 'Copy password' }).click();
  assert.ok(await eventually(() => w.readClipboard('alice') === PLAIN_PW), 'copy works offline');
  assert.equal(await page.title(), 'Offline · Safehold');
  await shot(page, 'offline');
  await page.getByRole('button', { name: 'Account' }).click();
  assert.equal(await page.getByRole('button', { name: 'Synchronise offline now' }).isDisabled(), true);
  await page.getByText('Synchronising needs the server.').waitFor();
  // unlocking with the server unreachable opens the offline database
  await page.getByRole('button', { name: 'Lock' }).click();
  await master.fill(w.password('alice'));
  await master.press('Enter');
  await offlineBadge.waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: 'Passwords' }).click();
  await page.getByText(`${BULK + 2} records`).waitFor();
  await page.getByRole('button', { name: 'Account' }).click();

  // --- the server is back: online again without a reload.
  await w.startServer();
  await offlineBadge.waitFor({ state: 'detached', timeout: 10_000 });
  assert.doesNotMatch(await status.innerText(), /Offline/);
  assert.equal(await page.getByRole('button', { name: 'Synchronise offline now' }).isDisabled(), false);

  // --- E5 in the UI: with the offline-edits right in the lease, the record forms stay enabled offline, the new
  // record is queued in the offline database and reaches the server at the next sync.
  await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
  const lastSync = async (): Promise<string> => String((JSON.parse((await w.ok('alice', ['offline', 'status', '--json'])).stdout) as { lastSync: string }).lastSync);
  const before = await lastSync();
  await new Promise((r) => setTimeout(r, 20)); // a new sync's time differs from the last one's
  await page.getByRole('button', { name: 'Synchronise offline now' }).click();
  assert.ok(await until(async () => (await lastSync()) !== before, 60_000), 'the sync that brings the offline-edits lease ran');
  await until(async () => !(await page.getByRole('button', { name: 'Synchronise offline now' }).isDisabled()), 30_000);
  await w.stopServer();
  await offlineBadge.waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: 'Passwords' }).click();
  assert.equal(await page.getByRole('button', { name: 'New record' }).isDisabled(), false, 'offline edits allowed: New record stays enabled');
  await page.getByText('Offline: changes are kept in the offline database and sent at the next sync.', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'New record' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Drafted offline');
  await page.getByLabel('Username', { exact: true }).fill('drafter');
  await page.getByRole('button', { name: 'Save' }).click();
  await search.fill('Drafted offline');
  await row(page, 'Drafted offline').first().waitFor({ timeout: 10_000 });
  await w.startServer();
  await offlineBadge.waitFor({ state: 'detached', timeout: 10_000 });
  await page.getByRole('button', { name: 'Account' }).click();
  const beforePush = await lastSync();
  await new Promise((r) => setTimeout(r, 20));
  await page.getByRole('button', { name: 'Synchronise offline now' }).click();
  assert.ok(await until(async () => (await lastSync()) !== beforePush, 60_000), 'the sync that pushes the queued record ran');
  const online = await w.ok('alice', ['search', 'Drafted offline', '--json']);
  assert.match(online.stdout, /Drafted offline/, 'the record made offline in the UI reached the server');

  // --- Lock zeroes the keys and returns to the sign-in.
  await page.getByRole('button', { name: 'Lock' }).click();
  await master.waitFor();
  const locked = await bctx.request.get(`${ui.origin}/api/records`);
  assert.equal(locked.status(), 422, 'no records while locked');
  await master.fill(w.password('alice'));
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('button', { name: 'Passwords' }).waitFor();
  // the after-login sync of the sign-in (R9); one record more: the one made offline above
  await status.getByText(`offline sync completed: 0 added, 0 updated, 0 removed, ${BULK + 3} total`).waitFor();

  // --- the idle lock (1 minute = 3 s here).
  await page.getByRole('button', { name: 'Account' }).click();
  await page.getByLabel('Lock after idle (minutes)', { exact: true }).fill('1');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  await master.waitFor({ timeout: 15_000 });

  // --- a second `safehold ui` hands out a fresh URL that gets the user back in.
  const second = await runProcess(process.execPath, [CLIENT_BIN, 'ui', '--no-open', '--json'], env);
  assert.equal(second.code, 0, second.stderr);
  const fresh = (second.json as { url: string }).url;
  assert.notEqual(fresh, ui.url);
  const page2 = await bctx.newPage();
  const seen2 = await watch(page2);
  await page2.goto(fresh);
  await page2.getByLabel('Master password', { exact: true }).waitFor();
  const reused = await bctx.request.get(ui.url, { maxRedirects: 0 });
  assert.equal(reused.status(), 401, 'the first token was used');

  // --- the masked secret never reached either page: not in the DOM, no response body, no status event.
  for (const [p, s] of [
    [page, seen],
    [page2, seen2],
  ] as const) {
    assert.ok(!(await p.content()).includes(MASKED_PW), 'masked secret absent from the DOM');
    assert.ok(s.bodies.length > (p === page ? 20 : 2), `responses recorded: ${s.bodies.length}`);
    for (const b of s.bodies) assert.ok(!b.includes(MASKED_PW) && !b.includes(SEALED_PW), 'masked/sealed secret absent from every response');
    assert.ok(s.events.length > (p === page ? 10 : 0), `status events recorded: ${s.events.length}`);
    for (const e of s.events) assert.ok(!e.includes(MASKED_PW) && !e.includes(PLAIN_PW), 'no secret in the status stream');
    assert.deepEqual(await s.cspViolations(), [], 'no CSP violation');
  }
  await page2.close();

  // --- add an account with an invite, on a fresh device.
  const inv = await w.smOk('user', 'add', 'carol', '--db', 'main', '--json');
  const carolUi = await startUi(uiEnv(w, 'carol'));
  t.after(async () => {
    await carolUi.stop();
  });
  const page3 = await bctx.newPage();
  const seen3 = await watch(page3);
  await page3.goto(carolUi.url);
  await page3.getByRole('heading', { name: 'Add an account on this device' }).waitFor();
  await page3.getByLabel('Server URL', { exact: true }).fill(w.url);
  await page3.getByLabel('User name', { exact: true }).fill('carol');
  await page3.getByLabel('Invite code', { exact: true }).fill(String(inv.json.invite));
  await page3.getByLabel('New master password', { exact: true }).fill(w.password('carol'));
  await page3.getByLabel('Repeat master password', { exact: true }).fill('something else');
  await page3.getByRole('button', { name: 'Add account' }).click();
  await page3.getByRole('alert').filter({ hasText: 'differ' }).waitFor();
  await page3.getByLabel('Repeat master password', { exact: true }).fill(w.password('carol'));
  await shot(page3, 'add-account');
  await page3.getByRole('button', { name: 'Add account' }).click();
  await page3.getByRole('button', { name: 'Passwords' }).waitFor();
  await page3.getByText('0 records', { exact: true }).waitFor();
  const carolCli = await w.ok('carol', ['list', '--json']);
  assert.equal(carolCli.json.source, 'server', 'the CLI uses the account the UI registered');
  assert.deepEqual(await seen3.cspViolations(), []);
});
