/** Roles over real HTTP on both backends: create, list with the caller's key, members managed by the creator only. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RoleList, RoleWire } from '@safehold/protocol/api';
import { b64, forEachBackend } from '@safehold/testkit';
import { listAudit } from './audit.js';
import { assertError, startHarness, user, type Harness } from '@safehold/testkit/records';

forEachBackend('roles', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(backend, ['alice', 'bob', 'carol']);
    await h.server.admin.createDb('elsewhere', {});
    await h.server.admin.addUser('dora', 'elsewhere');
  });
  after(() => h?.close());

  test('any member creates a role and is its first member; names are unique per database', async () => {
    const bob = user(h, 'bob');
    const body = { name: 'devs', publicKey: b64(32), memberKey: b64(80) };
    const r = await bob.req<RoleWire>('POST', '/roles', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { name: 'devs', db: 'main', creator: 'bob', publicKey: body.publicKey, members: ['bob'], myKey: body.memberKey });
    assertError(await user(h, 'alice').req('POST', '/roles', { ...body, publicKey: b64(32) }), 409, 'conflict');
    assertError(await bob.req('POST', '/roles', { name: 'bad name!', publicKey: b64(32), memberKey: b64(80) }), 400, 'bad_request');
    const list = await user(h, 'carol').req<RoleList>('GET', '/roles');
    const devs = list.body.roles.find((x) => x.name === 'devs');
    assert.deepEqual(devs?.members, ['bob']);
    assert.equal(devs?.myKey, null, 'a non-member gets no role key');
  });

  test('only the creator adds and removes members; members must belong to the database', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const carol = user(h, 'carol');
    assert.equal((await alice.req('POST', '/roles', { name: 'ops', publicKey: b64(32), memberKey: b64(80) })).status, 200);
    const carolKey = b64(80);
    assertError(await bob.req('PUT', '/roles/ops/members/carol', { memberKey: carolKey }), 403, 'forbidden');
    assertError(await alice.req('PUT', '/roles/ops/members/dora', { memberKey: carolKey }), 404, 'not_found');
    assertError(await alice.req('PUT', '/roles/ops/members/nobody', { memberKey: carolKey }), 404, 'not_found');
    assertError(await alice.req('PUT', '/roles/no-such-role/members/carol', { memberKey: carolKey }), 404, 'not_found');
    assertError(await alice.req('PUT', '/roles/ops/members/carol', {}), 400, 'bad_request');
    const added = await alice.req<RoleWire>('PUT', '/roles/ops/members/carol', { memberKey: carolKey });
    assert.deepEqual(added.body.members, ['alice', 'carol']);
    const carolView = (await carol.req<RoleList>('GET', '/roles')).body.roles.find((x) => x.name === 'ops');
    assert.equal(carolView?.myKey, carolKey);
    // Adding again replaces the wrapped key, without a second membership.
    const carolKey2 = b64(80);
    assert.deepEqual((await alice.req<RoleWire>('PUT', '/roles/ops/members/carol', { memberKey: carolKey2 })).body.members, ['alice', 'carol']);
    assert.equal((await carol.req<RoleList>('GET', '/roles')).body.roles.find((x) => x.name === 'ops')?.myKey, carolKey2);
    // A member who is not the creator still cannot manage.
    assertError(await carol.req('PUT', '/roles/ops/members/bob', { memberKey: b64(80) }), 403, 'forbidden');
    assertError(await carol.req('DELETE', '/roles/ops/members/alice'), 403, 'forbidden');
    assertError(await alice.req('DELETE', '/roles/ops/members/bob'), 404, 'not_found');
    const removed = await alice.req<RoleWire>('DELETE', '/roles/ops/members/carol');
    assert.deepEqual(removed.body.members, ['alice']);
    assert.equal((await carol.req<RoleList>('GET', '/roles')).body.roles.find((x) => x.name === 'ops')?.myKey, null);
  });

  test('membership changes go through the change counter; role actions are audited', async () => {
    const alice = user(h, 'alice');
    const db = h.server.storage.db;
    const dbRow = await db.selectFrom('databases').select(['id', 'seq']).where('name', '=', 'main').executeTakeFirstOrThrow();
    await alice.req('POST', '/roles', { name: 'audit-role', publicKey: b64(32), memberKey: b64(80) });
    await alice.req('PUT', '/roles/audit-role/members/bob', { memberKey: b64(80) });
    await alice.req('DELETE', '/roles/audit-role/members/bob');
    const changes = await db.selectFrom('changes').selectAll().where('db_id', '=', dbRow.id).where('seq', '>', dbRow.seq).orderBy('seq').execute();
    const role = await db.selectFrom('roles').select('id').where('name', '=', 'audit-role').executeTakeFirstOrThrow();
    const bob = await db.selectFrom('users').select('id').where('name', '=', 'bob').executeTakeFirstOrThrow();
    assert.deepEqual(
      changes.map((c) => [c.seq, c.kind, c.role_id, c.user_id, c.record_id]),
      [
        [dbRow.seq + 1, 'role_member_added', role.id, bob.id, null],
        [dbRow.seq + 2, 'role_member_removed', role.id, bob.id, null],
      ],
    );
    const events = (await listAudit(db, { db: 'main' })).filter((e) => e.target === 'audit-role');
    assert.deepEqual(events.map((e) => e.action).sort(), ['role_created', 'role_member_added', 'role_member_removed']);
    assert.deepEqual(events.find((e) => e.action === 'role_member_added')?.detail, { member: 'bob' });
  });
});
