/** Record rights over real HTTP on both backends: every right allowed and refused, 404 vs 403, roles. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Grants, History, RecordList, RecordWire, RoleWire } from '@safehold/protocol/api';
import { SafeholdError } from '@safehold/protocol';
import { b64, forEachBackend } from '@safehold/testkit';
import { assertError, keys, newRecord, rid, share, startHarness, user, type Harness } from '@safehold/testkit/records';
import { effectiveRights, effectiveRightsBatch, requireRight } from './rights.js';

forEachBackend('record rights', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(backend, ['alice', 'bob', 'carol', 'dave', 'erin']);
  });
  after(() => h?.close());

  const ids = async (userName: string) => {
    const db = h.server.storage.db;
    const u = await db.selectFrom('users').select('id').where('name', '=', userName).executeTakeFirstOrThrow();
    const d = await db.selectFrom('databases').select('id').where('name', '=', 'main').executeTakeFirstOrThrow();
    return { userId: u.id, dbId: d.id };
  };

  test('the creator holds every right; a user without a grant gets 404 everywhere', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    assert.deepEqual(r.wire.rights, ['read', 'write', 'delete', 'authorize', 'export']);
    assert.equal(r.wire.creator, 'alice');
    for (const [m, p, body] of [
      ['GET', `/records/${r.id}`, undefined],
      ['GET', `/records/${r.id}/history`, undefined],
      ['GET', `/records/${r.id}/grants`, undefined],
      ['PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rid(), header: b64(10), secret: b64(10) }],
      ['DELETE', `/records/${r.id}`, undefined],
      ['PUT', `/records/${r.id}/mask`, { masked: true }],
      ['PUT', `/records/${r.id}/keys`, { header: b64(20), secret: null }],
      ['PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'bob' }, rights: ['read'], keys: keys() }],
      ['POST', `/records/${r.id}/releases`, { reason: '' }],
    ] as const) {
      assertError(await bob.req(m, p, body), 404, 'not_found');
    }
    const list = await bob.req<RecordList>('GET', '/records');
    assert.equal(list.status, 200);
    assert.ok(!list.body.records.some((x) => x.id === r.id), 'list leaks a record bob cannot read');
  });

  test('read: get, list, history and grants; write, delete, authorize refused with 403', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read']);
    const got = await bob.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.rights, ['read']);
    assert.equal(got.body.secret, r.secret);
    assert.deepEqual(got.body.keyHolder, { kind: 'user', user: 'bob' });
    assert.ok((await bob.req<RecordList>('GET', '/records')).body.records.some((x) => x.id === r.id));
    assert.equal((await bob.req<History>('GET', `/records/${r.id}/history`)).status, 200);
    assert.equal((await bob.req<Grants>('GET', `/records/${r.id}/grants`)).status, 200);
    assertError(await bob.req('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rid(), header: b64(10), secret: b64(10) }), 403, 'forbidden');
    assertError(await bob.req('DELETE', `/records/${r.id}`), 403, 'forbidden');
    assertError(await bob.req('PUT', `/records/${r.id}/mask`, { masked: true }), 403, 'forbidden');
    assertError(
      await bob.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'carol' }, rights: ['read'], keys: keys() }),
      403,
      'forbidden',
    );
    assertError(await bob.req('DELETE', `/records/${r.id}/grants?user=alice`), 403, 'forbidden');
    assertError(await bob.req('DELETE', `/records/${r.id}/seal`), 403, 'forbidden');
    // Nothing was applied by the refused calls.
    const after = await alice.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(after.body.revision, r.revision);
    assert.equal(after.body.masked, false);
  });

  test('write allows update; delete allows delete; each only that', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const carol = user(h, 'carol');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read', 'write']);
    await share(alice, r.id, { user: 'carol' }, ['read', 'delete']);
    assertError(await carol.req('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rid(), header: b64(10), secret: b64(10) }), 403, 'forbidden');
    const rev = rid();
    const up = await bob.req<RecordWire>('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rev, header: b64(10), secret: b64(10) });
    assert.equal(up.status, 200);
    assert.equal(up.body.revision, rev);
    assert.equal(up.body.updatedBy, 'bob');
    assertError(await bob.req('DELETE', `/records/${r.id}`), 403, 'forbidden');
    assert.equal((await carol.req('DELETE', `/records/${r.id}`)).status, 200);
    assertError(await alice.req('GET', `/records/${r.id}`), 404, 'not_found');
  });

  test('authorize allows sharing, masking and sealing, but never changing the creator', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read', 'authorize']);
    const g = await share(bob, r.id, { user: 'carol' }, ['read', 'export']);
    assert.deepEqual(g.grants.find((x) => 'user' in x && x.user === 'carol')?.rights, ['read', 'export']);
    assert.equal((await bob.req<RecordWire>('PUT', `/records/${r.id}/mask`, { masked: true })).body.masked, true);
    assertError(
      await bob.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'alice' }, rights: ['read'] }),
      403,
      'forbidden',
    );
    assertError(await bob.req('DELETE', `/records/${r.id}/grants?user=alice`), 403, 'forbidden');
    assertError(await alice.req('DELETE', `/records/${r.id}/grants?user=alice`), 403, 'forbidden');
    const gs = await alice.req<Grants>('GET', `/records/${r.id}/grants`);
    assert.deepEqual(gs.body.grants[0], { user: 'alice', rights: ['read', 'write', 'delete', 'authorize', 'export'] });
    const sealed = await bob.req<RecordWire>('PUT', `/records/${r.id}/seal`, {
      approvers: ['dave'],
      required: 1,
      windowMinutes: 10,
      baseRevision: r.revision,
      revision: rid(),
      header: b64(10),
      secret: b64(10),
      secretKeys: [{ holder: { kind: 'user', user: 'alice' }, secret: b64(60) }],
    });
    assert.equal(sealed.status, 200, JSON.stringify(sealed.body));
    assert.equal(sealed.body.sealed, true);
    // Lifting the seal needs its quorum too (12.1): bob's unseal release, approved by dave.
    const lift = await bob.req<{ id: string }>('POST', `/records/${r.id}/releases`, { kind: 'unseal' });
    assert.equal((await user(h, 'dave').req<{ status: string }>('POST', `/releases/${lift.body.id}/approve`)).body.status, 'approved');
    assert.equal((await bob.req<RecordWire>('DELETE', `/records/${r.id}/seal`)).body.sealed, false);
  });

  test('export: in rights when granted, refused by requireRight otherwise; every right through requireRight', async () => {
    const alice = user(h, 'alice');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read', 'export']);
    await share(alice, r.id, { user: 'carol' }, ['read']);
    const db = h.server.storage.db;
    const bob = await ids('bob');
    const carol = await ids('carol');
    const dave = await ids('dave');
    const bobActor = { userId: bob.userId, user: 'bob' };
    const carolActor = { userId: carol.userId, user: 'carol' };
    const daveActor = { userId: dave.userId, user: 'dave' };
    assert.deepEqual((await requireRight(db, bobActor, bob.dbId, r.id, 'export')).rights, new Set(['read', 'export']));
    assert.deepEqual((await user(h, 'bob').req<RecordWire>('GET', `/records/${r.id}`)).body.rights, ['read', 'export']);
    for (const right of ['write', 'delete', 'authorize'] as const) {
      await assert.rejects(requireRight(db, bobActor, bob.dbId, r.id, right), (e: unknown) => e instanceof SafeholdError && e.code === 'forbidden');
    }
    for (const right of ['write', 'delete', 'authorize', 'export'] as const) {
      await assert.rejects(requireRight(db, carolActor, carol.dbId, r.id, right), (e: unknown) => e instanceof SafeholdError && e.code === 'forbidden');
      await assert.rejects(requireRight(db, daveActor, dave.dbId, r.id, right), (e: unknown) => e instanceof SafeholdError && e.code === 'not_found');
    }
    await assert.rejects(requireRight(db, bobActor, bob.dbId, 'not-an-id', 'read'), (e: unknown) => e instanceof SafeholdError && e.code === 'not_found');
    assert.deepEqual(await effectiveRights(db, bob.userId, r.id), new Set(['read', 'export']));
    assert.deepEqual(await effectiveRights(db, dave.userId, r.id), new Set());
    const batch = await effectiveRightsBatch(db, bob.userId, bob.dbId);
    assert.deepEqual(batch.get(r.id), new Set(['read', 'export']));
  });

  test('rights through a role add up with the direct grant; losing membership loses them', async () => {
    const alice = user(h, 'alice');
    const dave = user(h, 'dave');
    const role = await alice.req<RoleWire>('POST', '/roles', { name: 'ops', publicKey: b64(32), memberKey: b64(80) });
    assert.equal(role.status, 200);
    assert.equal((await alice.req('PUT', '/roles/ops/members/dave', { memberKey: b64(80) })).status, 200);
    const r = await newRecord(alice);
    await share(alice, r.id, { role: 'ops' }, ['read', 'write']);
    let got = await dave.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.rights, ['read', 'write']);
    assert.deepEqual(got.body.keyHolder, { kind: 'role', role: 'ops' });
    await share(alice, r.id, { user: 'dave' }, ['read', 'export']);
    got = await dave.req<RecordWire>('GET', `/records/${r.id}`);
    assert.deepEqual(got.body.rights, ['read', 'write', 'export'], 'union of direct and role grants');
    assert.deepEqual(got.body.keyHolder, { kind: 'user', user: 'dave' });
    const up = await dave.req('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rid(), header: b64(10), secret: b64(10) });
    assert.equal(up.status, 200, 'write through the role');
    assert.equal((await alice.req('DELETE', `/records/${r.id}/grants?user=dave`)).status, 200);
    assert.deepEqual((await dave.req<RecordWire>('GET', `/records/${r.id}`)).body.rights, ['read', 'write']);
    assert.equal((await alice.req('DELETE', '/roles/ops/members/dave')).status, 200);
    assertError(await dave.req('GET', `/records/${r.id}`), 404, 'not_found');
    assert.ok(!(await dave.req<RecordList>('GET', '/records')).body.records.some((x) => x.id === r.id));
  });

  test('malformed, unknown, deleted and other-database ids all answer 404', async () => {
    const alice = user(h, 'alice');
    for (const bad of ['x', 'not-a-valid-id', 'a'.repeat(23), '%2e%2e', 'AAAAAAAAAAAAAAAAAAAA%2F']) {
      assertError(await alice.req('GET', `/records/${bad}`), 404, 'not_found');
      assertError(await alice.req('PUT', `/records/${bad}/mask`, { masked: true }), 404, 'not_found');
    }
    assertError(await alice.req('GET', `/records/${rid()}`), 404, 'not_found');
    assertError(await alice.req('GET', `/records/${rid()}/history`), 404, 'not_found');
    await h.server.admin.createDb('other', {});
    assert.equal(await h.server.admin.addUser('alice', 'other'), null);
    const other = await newRecord(alice.in('other'));
    assertError(await alice.req('GET', `/records/${other.id}`), 404, 'not_found');
    assertError(await user(h, 'bob').in('other').req('GET', `/records/${other.id}`), 404, 'not_found');
    assertError(await user(h, 'bob').in('other').req('GET', '/records'), 404, 'not_found');
    assert.equal((await alice.in('other').req('GET', `/records/${other.id}`)).status, 200);
    assertError(await alice.in('nope').req('GET', '/records'), 404, 'not_found');
  });

  test('grants: without keys refused when the grantee holds none, exact replacement, read required, members only', async () => {
    const alice = user(h, 'alice');
    const r = await newRecord(alice);
    assertError(
      await alice.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'erin' }, rights: ['read'] }),
      400,
      'bad_request',
    );
    assertError(
      await alice.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'erin' }, rights: ['write'], keys: keys() }),
      400,
      'bad_request',
    );
    assertError(
      await alice.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'nobody' }, rights: ['read'], keys: keys() }),
      404,
      'not_found',
    );
    assertError(
      await alice.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'role', role: 'no-role' }, rights: ['read'], keys: keys() }),
      404,
      'not_found',
    );
    await share(alice, r.id, { user: 'erin' }, ['read', 'write', 'export']);
    // Keys are optional once the grantee holds a key row; the rights are replaced, not merged.
    const g = await share(alice, r.id, { user: 'erin' }, ['read'], null);
    assert.deepEqual(g.grants, [
      { user: 'alice', rights: ['read', 'write', 'delete', 'authorize', 'export'] },
      { user: 'erin', rights: ['read'] },
    ]);
    assert.deepEqual((await user(h, 'erin').req<RecordWire>('GET', `/records/${r.id}`)).body.rights, ['read']);
    // Unshare removes the grant and the key row: sharing again needs keys again.
    const un = await alice.req<Grants>('DELETE', `/records/${r.id}/grants?user=erin`);
    assert.equal(un.status, 200);
    assert.equal(un.body.grants.length, 1);
    assertError(await user(h, 'erin').req('GET', `/records/${r.id}`), 404, 'not_found');
    assertError(await alice.req('DELETE', `/records/${r.id}/grants?user=erin`), 404, 'not_found');
    assertError(
      await alice.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'erin' }, rights: ['read'] }),
      400,
      'bad_request',
    );
    assertError(await alice.req('DELETE', `/records/${r.id}/grants?user=erin&role=ops`), 400, 'bad_request');
  });
});
