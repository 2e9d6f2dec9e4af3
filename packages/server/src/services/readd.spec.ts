/**
 * Issue 12.7: a user removed from the server is gone. Re-adding the name creates a NEW user: a new
 * invite, no old auth hash (the old master password logs in nowhere), no old keys, grants or role
 * memberships. Over real HTTP on both backends.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Grants, RecordList, Session } from '@safehold/protocol/api';
import { api, b64, fakeRegistration, forEachBackend, newDeviceId, registerTestUser } from '@safehold/testkit';
import { newRecord, share, startHarness, user, type Harness } from '@safehold/testkit/records';

forEachBackend('re-adding a removed user name (12.7)', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(backend, ['alice']);
  });
  after(() => h?.close());

  test('a new user with a new invite and nothing of the old account', async () => {
    const alice = user(h, 'alice');
    const jane = await registerTestUser(h.server, 'jane', 'main');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'jane' }, ['read', 'write']);
    const role = await alice.req('POST', '/roles', { name: 'ops', publicKey: b64(32), memberKey: b64(80) });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    assert.equal((await alice.req('PUT', '/roles/ops/members/jane', { memberKey: b64(80) })).status, 200);
    const oldKey = (await api<{ publicKey: string }>(h.server.url, 'GET', '/v1/users/jane/public-key', { token: alice.token })).body.publicKey;
    const oldRow = await h.server.storage.db.selectFrom('users').select(['id', 'auth_hash']).where('name', '=', 'jane').executeTakeFirstOrThrow();

    await h.server.admin.removeUser('jane');
    const invite = await h.server.admin.addUser('jane', 'main');
    assert.ok(invite, 're-adding a removed name issues a new invite');

    // Pending, like any new user: no public key, no login with the old master password.
    assert.equal((await api(h.server.url, 'GET', '/v1/users/jane/public-key', { token: alice.token })).status, 404);
    const device = { id: newDeviceId(), name: 'laptop' };
    const rows = await h.server.storage.db.selectFrom('users').select(['id', 'auth_hash', 'public_key', 'removed_at']).where('name', '=', 'jane').execute();
    const live = rows.filter((x) => x.removed_at === null);
    assert.equal(live.length, 1);
    assert.notEqual(live[0]?.id, oldRow.id, 'a new user id');
    assert.equal(live[0]?.auth_hash, null, 'no old auth hash');
    assert.equal(live[0]?.public_key, null, 'no old keys');
    const oldLogin = await api(h.server.url, 'POST', '/v1/login', { body: { user: 'jane', authKey: jane.authKey, device } });
    assert.equal(oldLogin.status, 401);
    assert.equal((await api(h.server.url, 'GET', '/v1/me', { token: jane.token })).status, 401, 'old sessions stay dead');

    // No old grants: the record's grant list does not name jane, and the new jane reads nothing.
    const grants = (await alice.req<Grants>('GET', `/records/${r.id}/grants`)).body.grants;
    assert.ok(!grants.some((g) => 'user' in g && g.user === 'jane'), JSON.stringify(grants));
    const roles = (await alice.req<{ roles: Array<{ name: string; members: string[] }> }>('GET', '/roles')).body.roles;
    assert.ok(!JSON.stringify(roles).includes('jane'), 'no old role membership');

    const reg = fakeRegistration('jane', invite);
    const session = await api<Session>(h.server.url, 'POST', '/v1/register', { body: reg.body });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.notEqual(session.body.publicKey, oldKey);
    const list = await api<RecordList>(h.server.url, 'GET', '/v1/db/main/records', { token: session.body.token });
    assert.deepEqual(list.body.records, []);
    assert.equal((await api(h.server.url, 'GET', `/v1/db/main/records/${r.id}`, { token: session.body.token })).status, 404);
    assert.equal((await api<{ publicKey: string }>(h.server.url, 'GET', '/v1/users/jane/public-key', { token: alice.token })).body.publicKey, reg.body.publicKey);

    // A user still on the server (removed from one database only) is re-added as the same account, with null.
    await h.server.admin.createDb('other');
    assert.ok(await h.server.admin.addUser('zed', 'main'));
    assert.equal(await h.server.admin.addUser('zed', 'other'), null);
    await h.server.admin.removeUser('zed', 'other');
    assert.equal(await h.server.admin.addUser('zed', 'other'), null);
  });
});
