/** Seals and releases over real HTTP on both backends, with a manual clock for release windows. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { History, RecordList, RecordWire, Release, ReleaseList } from '@safehold/protocol/api';
import { b64, forEachBackend, manualClock } from '@safehold/testkit';
import { listAudit } from './audit.js';
import { assertError, newRecord, rid, share, startHarness, user, type Client, type Harness, type NewRecord } from '@safehold/testkit/records';

const MINUTE = 60_000;

forEachBackend('seals and releases', (backend) => {
  let h: Harness;
  const clock = manualClock(Date.UTC(2026, 5, 1));
  before(async () => {
    h = await startHarness(backend, ['alice', 'bob', 'carol', 'dave', 'erin'], { clock });
  });
  after(() => h?.close());

  /** alice creates a record shared read(+more) with bob, then seals it: approvers carol+dave, 2 required. */
  async function sealedRecord(bobRights: Array<'read' | 'write'> = ['read'], opts: { approvers?: string[]; required?: number; window?: number } = {}) {
    const alice = user(h, 'alice');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, bobRights);
    await share(alice, r.id, { user: 'erin' }, ['read']);
    const seal = {
      approvers: opts.approvers ?? ['carol', 'dave'],
      required: opts.required ?? 2,
      windowMinutes: opts.window ?? 15,
      baseRevision: r.revision,
      revision: rid(),
      header: b64(40),
      secret: b64(40),
      secretKeys: [
        { holder: { kind: 'user', user: 'alice' }, secret: b64(60) },
        { holder: { kind: 'user', user: 'bob' }, secret: b64(60) },
      ],
    };
    const res = await alice.req<RecordWire>('PUT', `/records/${r.id}/seal`, seal);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { r, seal, wire: res.body };
  }

  async function request(c: Client, r: NewRecord, reason = 'audit'): Promise<Release> {
    const res = await c.req<Release>('POST', `/records/${r.id}/releases`, { reason });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  test('a sealed record withholds the secret and the secret key from everyone, creator included', async () => {
    const { r, seal, wire } = await sealedRecord();
    assert.equal(wire.sealed, true);
    assert.deepEqual(wire.seal, { approvers: ['carol', 'dave'], required: 2, windowMinutes: 15 });
    assert.equal(wire.revision, seal.revision, 'sealing saves a new revision');
    for (const n of ['alice', 'bob']) {
      const got = await user(h, n).req<RecordWire>('GET', `/records/${r.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.body.header, seal.header, 'the header stays readable');
      assert.equal(got.body.secret, null);
      assert.equal(got.body.keys?.secret, null);
      assert.ok(got.body.keys?.header);
      const listed = (await user(h, n).req<RecordList>('GET', '/records')).body.records.find((x) => x.id === r.id);
      assert.equal(listed?.sealed, true);
      assert.equal(listed?.keys?.secret, null);
      const hist = await user(h, n).req<History>('GET', `/records/${r.id}/history`);
      assert.equal(hist.body.revisions.length, 2);
      assert.ok(hist.body.revisions.every((x) => x.secret === null), 'history withholds old secrets too');
    }
    const stored = await h.server.storage.db.selectFrom('record_keys').select(['holder_id', 'secret_key']).where('record_id', '=', r.id).execute();
    const bySecret = stored.map((k) => k.secret_key).sort();
    assert.deepEqual(bySecret, [null, seal.secretKeys[0]?.secret, seal.secretKeys[1]?.secret].sort(), 'erin, not listed, lost her secret key');
  });

  test('seal needs authorize, valid approvers, the current revision and real key holders', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read', 'write']);
    const base = {
      approvers: ['carol'],
      required: 1,
      windowMinutes: 5,
      baseRevision: r.revision,
      revision: rid(),
      header: b64(20),
      secret: b64(20),
      secretKeys: [{ holder: { kind: 'user', user: 'alice' }, secret: b64(60) }],
    };
    assertError(await bob.req('PUT', `/records/${r.id}/seal`, base), 403, 'forbidden');
    assertError(await alice.req('PUT', `/records/${r.id}/seal`, { ...base, required: 2 }), 400, 'bad_request');
    assertError(await alice.req('PUT', `/records/${r.id}/seal`, { ...base, approvers: ['carol', 'nobody'] }), 404, 'not_found');
    assertError(await alice.req('PUT', `/records/${r.id}/seal`, { ...base, baseRevision: rid() }), 409, 'stale_revision');
    assertError(
      await alice.req('PUT', `/records/${r.id}/seal`, { ...base, secretKeys: [{ holder: { kind: 'user', user: 'carol' }, secret: b64(60) }] }),
      400,
      'bad_request',
    );
    const got = await alice.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(got.body.sealed, false, 'nothing applied by refused seals');
    assert.equal(got.body.revision, r.revision);
    assert.equal(got.body.secret, r.secret);
  });

  test('release: approvers only, never the requester; approved at the required count, for the window', async () => {
    const { r, seal } = await sealedRecord();
    const bob = user(h, 'bob');
    const carol = user(h, 'carol');
    const dave = user(h, 'dave');
    const erin = user(h, 'erin');
    const rel = await request(bob, r, 'rotate CA');
    assert.equal(rel.status, 'pending');
    assert.equal(rel.requester, 'bob');
    assert.equal(rel.reason, 'rotate CA');
    assert.deepEqual([rel.approvals, rel.required, rel.expiresAt], [0, 2, null]);
    assert.deepEqual(rel.approvers, ['carol', 'dave']);
    // Who sees it: requester and approvers.
    for (const [c, sees] of [[bob, true], [carol, true], [dave, true], [erin, false], [user(h, 'alice'), false]] as const) {
      const list = await c.req<ReleaseList>('GET', '/releases');
      assert.equal(list.body.releases.some((x) => x.id === rel.id), sees, `${c.name} list`);
    }
    assertError(await bob.req('POST', `/releases/${rel.id}/approve`), 403, 'forbidden');
    assertError(await erin.req('POST', `/releases/${rel.id}/approve`), 403, 'forbidden');
    assertError(await carol.req('POST', `/releases/${rid()}/approve`), 404, 'not_found');
    assertError(await carol.req('POST', '/releases/bad-id/approve'), 404, 'not_found');
    const one = await carol.req<Release>('POST', `/releases/${rel.id}/approve`);
    assert.equal(one.status, 200);
    assert.deepEqual([one.body.approvals, one.body.status], [1, 'pending']);
    // Approving twice counts once.
    assert.equal((await carol.req<Release>('POST', `/releases/${rel.id}/approve`)).body.approvals, 1);
    assert.equal((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.secret, null, 'one of two approvals opens nothing');
    clock.advance(MINUTE);
    const two = await dave.req<Release>('POST', `/releases/${rel.id}/approve`);
    assert.deepEqual([two.body.approvals, two.body.status], [2, 'approved']);
    assert.equal(two.body.expiresAt, new Date(clock.now() + 15 * MINUTE).toISOString());
    const open = await bob.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(open.body.secret, seal.secret);
    assert.equal(open.body.keys?.secret, seal.secretKeys[1]?.secret);
    assert.ok((await bob.req<History>('GET', `/records/${r.id}/history`)).body.revisions.every((x) => x.secret !== null));
    assert.equal((await user(h, 'alice').req<RecordWire>('GET', `/records/${r.id}`)).body.secret, null, "bob's release is not alice's");
    // The window closes.
    clock.advance(15 * MINUTE - 1);
    assert.equal((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.secret, seal.secret);
    clock.advance(1);
    const closed = await bob.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(closed.body.secret, null);
    assert.equal(closed.body.keys?.secret, null);
    const listed = (await bob.req<ReleaseList>('GET', '/releases')).body.releases.find((x) => x.id === rel.id);
    assert.equal(listed?.status, 'expired');
    assertError(await carol.req('POST', `/releases/${rel.id}/approve`), 409, 'conflict');
  });

  test('editing a sealed record needs an active release', async () => {
    const { r, seal } = await sealedRecord(['read', 'write'], { approvers: ['carol'], required: 1 });
    const bob = user(h, 'bob');
    const edit = () => bob.req<RecordWire>('PUT', `/records/${r.id}`, { baseRevision: seal.revision, revision: rid(), header: b64(20), secret: b64(20) });
    assertError(await edit(), 403, 'sealed');
    const rel = await request(bob, r);
    assert.equal((await user(h, 'carol').req<Release>('POST', `/releases/${rel.id}/approve`)).body.status, 'approved');
    const ok = await edit();
    assert.equal(ok.status, 200);
    assert.equal(ok.body.sealed, true);
    assert.notEqual(ok.body.secret, null, 'the releaser sees the secret it wrote');
  });

  test('unseal cancels releases; holders listed in the seal keep the new key, others have none', async () => {
    const { r, seal } = await sealedRecord(['read'], { approvers: ['carol'], required: 1 });
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const rel = await request(bob, r);
    const pending = await request(user(h, 'erin'), r);
    assert.equal((await user(h, 'carol').req<Release>('POST', `/releases/${rel.id}/approve`)).body.status, 'approved');
    assertError(await bob.req('DELETE', `/records/${r.id}/seal`), 403, 'forbidden');
    // Lifting needs the seal's quorum too (12.1): an approved unseal release of alice's.
    const lift = (await alice.req<Release>('POST', `/records/${r.id}/releases`, { kind: 'unseal' })).body;
    assert.equal((await user(h, 'carol').req<Release>('POST', `/releases/${lift.id}/approve`)).body.status, 'approved');
    const un = await alice.req<RecordWire>('DELETE', `/records/${r.id}/seal`);
    assert.equal(un.status, 200);
    assert.equal(un.body.sealed, false);
    assert.equal(un.body.seal, null);
    assert.equal(un.body.secret, seal.secret);
    assert.equal(un.body.keys?.secret, seal.secretKeys[0]?.secret);
    assert.equal((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.keys?.secret, seal.secretKeys[1]?.secret);
    const erinView = await user(h, 'erin').req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(erinView.body.keys?.secret, null, 'erin was not given the rotated key');
    for (const c of [bob, user(h, 'carol'), user(h, 'erin')]) {
      const ids = (await c.req<ReleaseList>('GET', '/releases')).body.releases.map((x) => x.id);
      assert.ok(!ids.includes(rel.id) && !ids.includes(pending.id), 'cancelled releases are gone');
    }
    assertError(await user(h, 'carol').req('POST', `/releases/${pending.id}/approve`), 404, 'not_found');
    assertError(await bob.req('POST', `/records/${r.id}/releases`, { reason: '' }), 400, 'bad_request');
    // Unsealing an unsealed record changes nothing.
    assert.equal((await alice.req<RecordWire>('DELETE', `/records/${r.id}/seal`)).body.sealed, false);
  });

  test('sealing again needs a release; a new seal cancels the releases of the old one', async () => {
    const { r, seal } = await sealedRecord(['read'], { approvers: ['carol'], required: 1 });
    const alice = user(h, 'alice');
    const again = { ...seal, baseRevision: seal.revision, revision: rid(), approvers: ['dave'], required: 1 };
    assertError(await alice.req('PUT', `/records/${r.id}/seal`, again), 403, 'sealed');
    const mine = await request(alice, r);
    const bobs = await request(user(h, 'bob'), r);
    assert.equal((await user(h, 'carol').req<Release>('POST', `/releases/${mine.id}/approve`)).body.status, 'approved');
    const res = await alice.req<RecordWire>('PUT', `/records/${r.id}/seal`, again);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.seal?.approvers, ['dave']);
    assert.equal(res.body.secret, null, 'the release of the old seal ended with it');
    assertError(await user(h, 'carol').req('POST', `/releases/${bobs.id}/approve`), 404, 'not_found');
  });

  test('after a seal, a role reader whose adopted copy lost the secret key is served the role row', async () => {
    const alice = user(h, 'alice');
    const carol = user(h, 'carol');
    const role = await alice.req('POST', '/roles', { name: 'vault-ops', publicKey: b64(32), memberKey: b64(80) });
    assert.equal(role.status, 200);
    assert.equal((await alice.req('PUT', '/roles/vault-ops/members/carol', { memberKey: b64(80) })).status, 200);
    const r = await newRecord(alice);
    await share(alice, r.id, { role: 'vault-ops' }, ['read']);
    const adopted = { header: b64(60), secret: b64(60) };
    assert.equal((await carol.req('PUT', `/records/${r.id}/keys`, adopted)).status, 200);
    assert.deepEqual((await carol.req<RecordWire>('GET', `/records/${r.id}`)).body.keyHolder, { kind: 'user', user: 'carol' });
    const roleSecret = b64(60);
    const sealRes = await alice.req('PUT', `/records/${r.id}/seal`, {
      approvers: ['dave'],
      required: 1,
      windowMinutes: 5,
      baseRevision: r.revision,
      revision: rid(),
      header: b64(20),
      secret: b64(20),
      secretKeys: [
        { holder: { kind: 'user', user: 'alice' }, secret: b64(60) },
        { holder: { kind: 'role', role: 'vault-ops' }, secret: roleSecret },
      ],
    });
    assert.equal(sealRes.status, 200, JSON.stringify(sealRes.body));
    // Adopting while sealed cannot replace the stored secret key.
    assert.equal((await carol.req('PUT', `/records/${r.id}/keys`, { header: adopted.header, secret: b64(60) })).status, 200);
    const stored = await h.server.storage.db
      .selectFrom('record_keys')
      .innerJoin('users', 'users.id', 'record_keys.holder_id')
      .select('record_keys.secret_key')
      .where('record_keys.record_id', '=', r.id)
      .where('users.name', '=', 'carol')
      .executeTakeFirstOrThrow();
    assert.equal(stored.secret_key, null);
    const rel = await request(carol, r);
    assert.equal((await user(h, 'dave').req<Release>('POST', `/releases/${rel.id}/approve`)).body.status, 'approved');
    const got = await carol.req<RecordWire>('GET', `/records/${r.id}`);
    assert.deepEqual(got.body.keyHolder, { kind: 'role', role: 'vault-ops' });
    assert.equal(got.body.keys?.secret, roleSecret);
    assert.notEqual(got.body.secret, null);
  });

  test('a release request needs read; seals and releases are audited', async () => {
    const { r } = await sealedRecord(['read'], { approvers: ['carol'], required: 1 });
    assertError(await user(h, 'dave').req('POST', `/records/${r.id}/releases`, { reason: 'x' }), 404, 'not_found');
    const rel = await request(user(h, 'bob'), r, 'a reason that is not logged');
    await user(h, 'carol').req('POST', `/releases/${rel.id}/approve`);
    await user(h, 'alice').req('POST', `/records/${r.id}/releases`, { kind: 'unseal' }).then(async (u) => {
      await user(h, 'carol').req('POST', `/releases/${(u.body as Release).id}/approve`);
    });
    await user(h, 'alice').req('DELETE', `/records/${r.id}/seal`);
    const events = (await listAudit(h.server.storage.db, { db: 'main' })).filter((e) => e.target === r.id);
    // Several events can share a millisecond: compare as sorted lists.
    assert.deepEqual(
      events.map((e) => [e.action, e.actor]).sort(),
      [
        ['record_created', 'alice'],
        ['share', 'alice'],
        ['share', 'alice'],
        ['seal', 'alice'],
        ['release_requested', 'bob'],
        ['release_approved', 'carol'],
        ['release_requested', 'alice'],
        ['release_approved', 'carol'],
        ['unseal', 'alice'],
      ].sort(),
    );
    assert.ok(!JSON.stringify(events).includes('not logged'));
  });
});
