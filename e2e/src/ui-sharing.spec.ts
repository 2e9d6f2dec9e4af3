/**
 * The team screens in a real browser (Debian's chromium) against the real server and real `safehold ui`
 * processes of several homes: share to a user and to a role and see the grantee's view change (change =
 * replace, remove), key fingerprints beside the grants, a changed key refused until trusted after the
 * comparison, mask and the masked view as a reader (its secret absent from the reader's page), roles, and
 * every team action disabled while the server is unreachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { World } from './offline-harness.js';
import { countFor, openRecord, pagePost, shot, signedInAll, until, type UserUi } from './ui-team-harness.js';

const WIKI_PW = 'WIKI-pw-41-share-me';

test('web UI team screens: share to a user and a role, fingerprints and trust, mask, roles, offline', { timeout: 300_000 }, async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  await w.newUser('alice', 'main', { offlineDays: 30 });
  for (const u of ['bob', 'carol', 'dave']) await w.newUser(u, 'main');
  const wikiId = await w.add('alice', ['--name', 'Team wiki', '--username', 'wikiadmin', '--password', WIKI_PW, '--url', 'https://wiki.example.test']);
  // alice's offline database (the offline part at the end shows its records with every team action disabled)
  await w.ok('alice', ['offline', 'sync']);
  // alice pins carol's key now (first use), before carol's key changes below.
  await w.ok('alice', ['share', wikiId, '--user', 'carol', '--rights', 'read']);
  await w.ok('alice', ['unshare', wikiId, '--user', 'carol']);

  const [alice, dave, bob] = (await signedInAll(t, w, ['alice', 'dave', 'bob'])) as [UserUi, UserUi, UserUi];
  const a = alice.page;
  const d = dave.page;

  // --- share to a user: dave's view changes (nothing, then the record with read only).
  assert.equal(await countFor(d, 'Team wiki'), 0, 'dave sees nothing before the share');
  await openRecord(a, 'Team wiki');
  const grants = a.getByRole('table', { name: 'Grants' });
  const ownFp = (await w.ok('alice', ['rights', wikiId, '--json'])).json.grants[0].fingerprint as string;
  await grants.getByRole('row', { name: /user alice \(creator\)/ }).getByText(ownFp).waitFor();
  await a.getByLabel('Grantee', { exact: true }).fill('dave');
  await a.getByLabel('read', { exact: true }).check();
  await a.getByRole('button', { name: 'Grant', exact: true }).click();
  const daveRow = grants.getByRole('row', { name: /user dave/ });
  await daveRow.getByRole('cell', { name: 'read', exact: true }).waitFor();
  const cliRights = (await w.ok('alice', ['rights', wikiId, '--json'])).json as { grants: Array<{ user?: string; rights: string[]; fingerprint?: string }> };
  const daveFp = cliRights.grants.find((g) => g.user === 'dave')?.fingerprint;
  assert.ok(daveFp, 'the CLI shows dave’s fingerprint');
  await daveRow.getByText(daveFp).waitFor();
  assert.equal(await countFor(d, 'Team wiki'), 1, 'dave sees the record after the share');
  await openRecord(d, 'Team wiki');
  assert.equal(await d.getByRole('button', { name: 'Edit', exact: true }).isDisabled(), true, 'read only: no Edit');
  assert.equal(await d.getByRole('button', { name: 'Reveal password', exact: true }).count(), 1, 'not masked: dave may reveal');
  assert.equal(await d.getByRole('button', { name: 'Grant', exact: true }).count(), 0, 'no authorize: dave cannot share');
  await d.getByText('Sharing needs the authorize right on this record.').waitFor();

  // --- change = replace: read,write for dave; dave may edit now.
  await daveRow.getByRole('button', { name: 'Change grant of user dave' }).click();
  await a.getByLabel('write', { exact: true }).check();
  await a.getByRole('button', { name: 'Grant', exact: true }).click();
  await daveRow.getByRole('cell', { name: 'read, write', exact: true }).waitFor();
  await openRecord(d, 'Team wiki');
  assert.ok(await until(async () => !(await d.getByRole('button', { name: 'Edit', exact: true }).isDisabled())), 'dave may edit after the change');
  await shot(a, 'rights');

  // --- mask: dave (a reader without authorize) sees the masked view; the secret never reaches his page.
  await a.getByRole('button', { name: 'Mask', exact: true }).click();
  await a.getByRole('heading', { level: 2, name: /Team wiki/ }).getByText('masked').waitFor();
  await a.getByRole('button', { name: 'Unmask', exact: true }).waitFor();
  dave.seen.bodies.length = 0;
  await openRecord(d, 'Team wiki');
  await d.getByText('masked for you').waitFor();
  assert.equal(await d.getByRole('button', { name: 'Reveal password', exact: true }).count(), 0, 'no Reveal for the masked reader');
  assert.equal(await d.getByRole('button', { name: /^Reveal revision/ }).count(), 0, 'no old secrets for the masked reader');
  assert.equal(await d.getByRole('button', { name: 'Unmask', exact: true }).isDisabled(), true, 'unmasking needs authorize');
  const refused = await pagePost(dave, `/records/${wikiId}/history/reveal`, { revision: 'x' });
  assert.equal(refused.status, 403, `an old secret of a masked record is refused: ${refused.body}`);
  await d.getByRole('button', { name: 'Copy password', exact: true }).click();
  assert.ok(await until(async () => w.readClipboard('dave') === WIKI_PW), 'copy still works for the masked reader');
  assert.ok(!(await d.content()).includes(WIKI_PW), 'the masked secret is not in dave’s DOM');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(dave.seen.bodies.length > 0 && dave.seen.bodies.every((b) => !b.includes(WIKI_PW)), 'the masked secret is in no response dave’s page received');
  assert.ok(dave.seen.events.every((e) => !e.includes(WIKI_PW)), 'nor in any event');
  await shot(d, 'masked-reader');
  await a.getByRole('button', { name: 'Unmask', exact: true }).click();
  await a.getByRole('button', { name: 'Mask', exact: true }).waitFor();

  // --- remove: dave's view loses the record.
  await daveRow.getByRole('button', { name: 'Remove grant of user dave' }).click();
  await daveRow.waitFor({ state: 'detached' });
  assert.equal(await countFor(d, 'Team wiki'), 0, 'dave no longer sees the record');

  // --- roles: create ops, add bob (pinned on the way), share to the role: bob's view changes.
  assert.equal(await countFor(bob.page, 'Team wiki'), 0, 'bob sees nothing before the role share');
  await a.getByRole('button', { name: 'Roles', exact: true }).click();
  await a.getByLabel('Role name', { exact: true }).fill('ops');
  await a.getByRole('button', { name: 'Create role', exact: true }).click();
  const ops = a.getByRole('article', { name: 'Role ops' });
  await ops.waitFor();
  await a.getByLabel('New member of ops', { exact: true }).fill('bob');
  await a.getByRole('button', { name: 'Add member to ops', exact: true }).click();
  await ops.getByRole('list', { name: 'Members of ops' }).getByText('bob').waitFor();
  const roleFp = ((await w.ok('alice', ['role', 'list', '--json'])).json as { roles: Array<{ name: string; fingerprint: string }> }).roles.find((r) => r.name === 'ops')?.fingerprint;
  assert.ok(roleFp);
  await ops.getByText(roleFp).waitFor();
  await shot(a, 'roles');
  await openRecord(a, 'Team wiki');
  await a.getByLabel('Grantee type', { exact: true }).selectOption('role');
  await a.getByLabel('Grantee', { exact: true }).fill('ops');
  await a.getByRole('button', { name: 'Grant', exact: true }).click();
  await grants.getByRole('row', { name: /role ops/ }).waitFor();
  assert.equal(await countFor(bob.page, 'Team wiki'), 1, 'bob sees the record through the role');
  // bob, not the creator of ops, does not manage its members
  await bob.page.getByRole('button', { name: 'Roles', exact: true }).click();
  await bob.page.getByText('Only its creator (alice) manages the members of this role.').waitFor();
  assert.equal(await bob.page.getByRole('button', { name: 'Add member to ops' }).count(), 0);
  // removing bob from the role: the role's grant no longer reaches him
  await a.getByRole('button', { name: 'Roles', exact: true }).click();
  await a.getByRole('button', { name: 'Remove bob from ops', exact: true }).click();
  await ops.getByRole('list', { name: 'Members of ops' }).getByText('bob').waitFor({ state: 'detached' });
  assert.equal(await countFor(bob.page, 'Team wiki'), 0, 'bob lost the record with the membership');

  // --- a changed key: carol is removed and re-added (a new key under the same name); alice's share is refused
  // until she compares the fingerprints and trusts the new key.
  await w.smOk('user', 'remove', 'carol');
  removeHome(w, 'carol');
  await w.newUser('carol', 'main');
  const carolFp = ((await w.ok('carol', ['rights', await w.add('carol', ['--name', 'Carol own', '--password', 'x']), '--json'])).json as { grants: Array<{ fingerprint: string }> }).grants[0]?.fingerprint;
  assert.ok(carolFp);
  await openRecord(a, 'Team wiki');
  await a.getByLabel('Grantee type', { exact: true }).selectOption('user');
  await a.getByLabel('Grantee', { exact: true }).fill('carol');
  await a.getByRole('button', { name: 'Grant', exact: true }).click();
  const keyBox = a.getByRole('group', { name: 'Key of carol' });
  await keyBox.waitFor();
  await a.getByRole('alert').filter({ hasText: 'the public key of carol changed' }).waitFor();
  await keyBox.getByText(carolFp).waitFor();
  const shown = await keyBox.locator('code').allInnerTexts();
  assert.equal(shown.length, 2);
  assert.notEqual(shown[0], shown[1], 'pinned and current fingerprints differ');
  assert.equal(await grants.getByRole('row', { name: /user carol/ }).count(), 0, 'nothing shared with the unverified key');
  const trust = a.getByRole('button', { name: 'Trust new key', exact: true });
  assert.equal(await trust.isDisabled(), true, 'trust waits for the comparison');
  await keyBox.scrollIntoViewIfNeeded();
  await shot(a, 'key-changed');
  // a wrong fingerprint (as if the key changed again meanwhile) is refused by the local process
  const wrong = await pagePost(alice, '/trust', { user: 'carol', fingerprint: '0000:0000:0000:0000:0000:0000:0000:0000' });
  assert.equal(wrong.status, 403, wrong.body);
  await keyBox.getByLabel('I compared this fingerprint with carol').check();
  await trust.click();
  await keyBox.waitFor({ state: 'detached' });
  await a.getByRole('button', { name: 'Grant', exact: true }).click();
  await grants.getByRole('row', { name: /user carol/ }).getByText(carolFp).waitFor();
  assert.equal((await w.ok('carol', ['search', 'Team wiki', '--json'])).json.records.length, 1, 'carol has the record after the trusted share');

  // --- a role key the server swapped (12.2): bob pinned ops's key when he shared to it; the server then sends
  // another key. His next share to the role is refused until he compares the fingerprints and trusts the new one.
  await w.add('bob', ['--name', 'Bob notes', '--password', 'x']);
  const b = bob.page;
  await openRecord(b, 'Bob notes');
  const bobGrants = b.getByRole('table', { name: 'Grants' });
  await b.getByLabel('Grantee type', { exact: true }).selectOption('role');
  await b.getByLabel('Grantee', { exact: true }).fill('ops');
  await b.getByRole('button', { name: 'Grant', exact: true }).click();
  await bobGrants.getByRole('row', { name: /role ops/ }).waitFor();
  const swapped = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const sqlite = new Database(join(w.dataDir, 'safehold.db'));
  try {
    sqlite.prepare(`UPDATE roles SET public_key = ? WHERE name = 'ops'`).run(Buffer.from(swapped).toString('base64url'));
  } finally {
    sqlite.close();
  }
  // (Changing the rights of the existing grant wraps no key; sharing another record to the role does.)
  await w.add('bob', ['--name', 'Bob second', '--password', 'y']);
  await openRecord(b, 'Bob second');
  await b.getByLabel('Grantee type', { exact: true }).selectOption('role');
  await b.getByLabel('Grantee', { exact: true }).fill('ops');
  await b.getByRole('button', { name: 'Grant', exact: true }).click();
  const roleBox = b.getByRole('group', { name: 'Key of role ops' });
  await roleBox.waitFor();
  await b.getByRole('alert').filter({ hasText: 'the key of role ops changed' }).waitFor();
  const roleShown = await roleBox.locator('code').allInnerTexts();
  assert.equal(roleShown.length, 2);
  assert.equal(roleShown[0], roleFp, 'the pinned fingerprint is the one bob shared with');
  assert.notEqual(roleShown[1], roleFp, 'the server now sends another key');
  assert.equal(await bobGrants.getByRole('row', { name: /role ops/ }).count(), 0, 'nothing shared with the changed key');
  const trustRole = roleBox.getByRole('button', { name: 'Trust new key', exact: true });
  assert.equal(await trustRole.isDisabled(), true, 'trust waits for the comparison');
  await shot(b, 'role-key-changed');
  await roleBox.getByLabel('I compared this fingerprint with alice').check();
  await trustRole.click();
  await roleBox.waitFor({ state: 'detached' });
  await b.getByRole('button', { name: 'Grant', exact: true }).click();
  await bobGrants.getByRole('row', { name: /role ops/ }).waitFor();

  // --- offline: every team action is disabled, saying that it needs the server.
  await w.stopServer();
  await a.getByRole('status').getByText('Offline', { exact: true }).waitFor({ timeout: 5000 });
  await a.getByText('Sharing needs the server', { exact: false }).waitFor();
  for (const name of ['Grant', 'Mask', 'Seal']) assert.equal(await a.getByRole('button', { name, exact: true }).isDisabled(), true, `${name} disabled offline`);
  await a.getByText('Masking, seals and releases need the server', { exact: false }).waitFor();
  await a.getByText('History needs the server', { exact: false }).waitFor();
  await a.getByRole('button', { name: 'Roles', exact: true }).click();
  assert.equal(await a.getByRole('button', { name: 'Create role', exact: true }).isDisabled(), true);
  await a.getByText('Roles need the server', { exact: false }).waitFor();
  await a.getByRole('button', { name: 'Releases', exact: true }).click();
  await a.getByText('Releases need the server', { exact: false }).waitFor();
  const offlineShare = await pagePost(alice, `/records/${wikiId}/mask`, { masked: true });
  assert.equal(offlineShare.status, 503, `the local process refuses too: ${offlineShare.body}`);
  assert.deepEqual(await a.evaluate('window.__csp || []'), [], 'no CSP violation');
});

function removeHome(w: World, user: string): void {
  // A re-added user registers afresh: the old home (with the old key) is gone.
  rmSync(w.home(user), { recursive: true, force: true });
}
