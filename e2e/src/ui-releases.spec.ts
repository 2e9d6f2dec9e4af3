/**
 * Seals, releases and history in a real browser against the real server and the real `safehold ui` of
 * three homes: history with reveal (owner) and without (a reader of a sealed record); seal with approvers,
 * count and window; a 2-of-2 release across UI sessions (the approver sees the pending count in the
 * navigation and approves; the requester sees the state and the window left and reveals and copies only
 * inside it); lifting the seal only after an approved unseal request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from './offline-harness.js';
import { openRecord, pagePost, shot, signedInAll, until, type UserUi } from './ui-team-harness.js';

const OLD_PW = 'PAYROLL-old-pw-19';
const NEW_PW = 'PAYROLL-new-pw-23';

test('web UI: history with and without reveal, seal, 2-of-2 release inside its window, unseal quorum', { timeout: 300_000 }, async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main');
  await w.startServer();
  for (const u of ['alice', 'bob', 'carol', 'dave']) await w.newUser(u, 'main');
  const id = await w.add('alice', ['--name', 'Payroll', '--username', 'hr', '--password', OLD_PW]);
  await w.ok('alice', ['edit', id, '--password', NEW_PW]);
  await w.ok('alice', ['share', id, '--user', 'dave', '--rights', 'read']);

  const [alice, dave, bob] = (await signedInAll(t, w, ['alice', 'dave', 'bob'])) as [UserUi, UserUi, UserUi];
  const a = alice.page;
  const d = dave.page;

  // --- history with reveal: two revisions with who and when; the old password on request only.
  await openRecord(a, 'Payroll');
  const revisions = a.getByRole('list', { name: 'Revisions' });
  await revisions.getByRole('listitem').nth(1).waitFor();
  assert.equal(await revisions.getByRole('listitem').count(), 2);
  assert.match(await revisions.innerText(), /alice/);
  assert.ok(!(await a.content()).includes(OLD_PW), 'no old secret before a reveal');
  await a.getByRole('button', { name: 'Reveal revision 1', exact: true }).click();
  await revisions.getByText(OLD_PW).waitFor();
  await revisions.scrollIntoViewIfNeeded();
  await shot(a, 'history');

  // --- seal: approvers bob and carol, both needed, a one-minute window.
  await a.getByLabel('Approvers', { exact: true }).fill('bob,carol');
  await a.getByLabel('Required approvals', { exact: true }).fill('2');
  await a.getByLabel('Release window (minutes)', { exact: true }).fill('1');
  await a.getByRole('button', { name: 'Seal', exact: true }).click();
  await a.getByRole('heading', { level: 2, name: /Payroll/ }).getByText('sealed').waitFor();
  assert.equal((await w.ok('alice', ['list', '--json'])).json.records.find((r: { id: string }) => r.id === id)?.sealed, true, 'sealed on the server');

  // --- the reader: sealed, no reveal, and no old secrets either (history without reveal).
  await openRecord(d, 'Payroll');
  await d.getByRole('heading', { level: 2, name: /Payroll/ }).getByText('sealed').waitFor();
  await d.getByRole('list', { name: 'Revisions' }).getByRole('listitem').first().waitFor();
  assert.equal(await d.getByRole('button', { name: 'Reveal password', exact: true }).count(), 0);
  assert.equal(await d.getByRole('button', { name: /^Reveal revision/ }).count(), 0, 'history without reveal');
  assert.equal(await d.getByRole('button', { name: 'Copy password', exact: true }).isDisabled(), true);
  const early = await pagePost(dave, `/records/${id}/reveal`, {});
  assert.equal(early.status, 403, `no reveal before a release: ${early.body}`);
  const oldEarly = await pagePost(dave, `/records/${id}/history/reveal`, { revision: 'x' });
  assert.equal(oldEarly.status, 403, `no old secret before a release: ${oldEarly.body}`);

  // --- dave asks; bob's navigation shows one pending request.
  await d.getByLabel('Reason', { exact: true }).fill('quarterly payroll run');
  await d.getByRole('button', { name: 'Request release', exact: true }).click();
  const mine = d.getByRole('list', { name: 'Your requests for this record' });
  await mine.getByText('Release pending: 0 of 2 approvals').waitFor();
  const bobNav = bob.page.getByRole('button', { name: 'Releases 1 pending', exact: true });
  await bobNav.waitFor({ timeout: 10_000 });
  await bobNav.click();
  await bob.page.getByRole('cell', { name: 'quarterly payroll run' }).waitFor();
  await shot(bob.page, 'releases');
  await bob.page.getByRole('button', { name: `Approve request of dave for ${id}`, exact: true }).click();
  await bob.page.getByRole('button', { name: 'Releases', exact: true }).waitFor();
  await mine.getByText('Release pending: 1 of 2 approvals').waitFor({ timeout: 10_000 });
  assert.equal(await d.getByRole('button', { name: 'Reveal password', exact: true }).count(), 0, 'one of two approvals opens nothing');

  // --- carol (second approver) approves: dave's window opens; reveal and copy work inside it.
  const rel = ((await w.ok('carol', ['release', 'list', '--json'])).json as { releases: Array<{ id: string; record: string }> }).releases.find((r) => r.record === id);
  assert.ok(rel);
  await w.ok('carol', ['release', 'approve', rel.id]);
  await mine.getByText(/Release approved \(2\/2\): 0 min \d+ s left/).waitFor({ timeout: 10_000 });
  await d.getByRole('button', { name: 'Reveal password', exact: true }).click();
  await d.getByText(NEW_PW).waitFor();
  await d.getByRole('button', { name: 'Copy password', exact: true }).click();
  assert.ok(await until(async () => w.readClipboard('dave') === NEW_PW), 'copied inside the window');
  await mine.scrollIntoViewIfNeeded();
  await shot(d, 'release-window');

  // --- the window closes: the secret is hidden again and refused. It never outlives the window: there is no
  // moment at which the page says the release expired and still shows the secret (watched on every DOM change).
  await d.evaluate(`(() => {
    const secret = ${JSON.stringify(NEW_PW)};
    window.__expiredWithSecret = false;
    new MutationObserver(() => {
      const text = document.body.textContent || '';
      if (text.includes('Release expired') && text.includes(secret)) window.__expiredWithSecret = true;
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
  await mine.getByText('Release expired').waitFor({ timeout: 90_000 });
  assert.equal(await d.evaluate('window.__expiredWithSecret'), false, 'the page never says "Release expired" while it still shows the secret');
  assert.ok(await until(async () => (await d.getByRole('button', { name: 'Reveal password', exact: true }).count()) === 0), 'no Reveal after the window');
  assert.equal(await d.getByText(NEW_PW).count(), 0, 'the revealed secret is gone from the page');
  const late = await pagePost(dave, `/records/${id}/reveal`, {});
  assert.equal(late.status, 403, `no reveal after the window: ${late.body}`);

  // --- lifting the seal: refused without an approved unseal request; the quorum approves; then lifted.
  await openRecord(a, 'Payroll');
  const lift = a.getByRole('button', { name: 'Lift seal', exact: true });
  assert.equal(await lift.isDisabled(), true);
  const refusedLift = await alice.page.request.delete(`${alice.ui.origin}/api/records/${id}/seal`, { headers: { Origin: alice.ui.origin, 'X-Safehold-UI': '1' } });
  assert.equal(refusedLift.status(), 403, 'the server refuses to lift without the quorum');
  await a.getByLabel('Reason', { exact: true }).fill('no longer critical');
  await a.getByRole('button', { name: 'Request unseal', exact: true }).click();
  await a.getByRole('list', { name: 'Your requests for this record' }).getByText('Unseal request pending: 0 of 2 approvals').waitFor();
  await bob.page.getByRole('button', { name: 'Releases 1 pending', exact: true }).click();
  await bob.page.getByRole('button', { name: `Approve request of alice for ${id}`, exact: true }).click();
  const unseal = ((await w.ok('carol', ['release', 'list', '--json'])).json as { releases: Array<{ id: string; kind: string }> }).releases.find((r) => r.kind === 'unseal');
  assert.ok(unseal);
  await w.ok('carol', ['release', 'approve', unseal.id]);
  assert.ok(await until(async () => !(await lift.isDisabled()), 10_000), 'Lift seal enabled once the unseal request is approved');
  await lift.click();
  await a.getByRole('button', { name: 'Seal', exact: true }).waitFor();
  assert.equal(await a.getByRole('heading', { level: 2, name: /Payroll/ }).getByText('sealed').count(), 0);
  assert.deepEqual(await d.evaluate('window.__csp || []'), [], 'no CSP violation');
});
