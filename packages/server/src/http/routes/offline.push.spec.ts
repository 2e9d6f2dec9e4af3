/**
 * POST /v1/db/:db/offline/push (E5) on both backends: applied once per operation id (a replay applies
 * nothing), stale when the base moved, conflict revisions kept in history, rejections audited.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { History, PushResponse, RecordWire } from '@safehold/protocol/api';
import { api, b64, newId, forEachBackend, registerTestUser, startTestServer, type TestServer, type TestUser } from '@safehold/testkit';

forEachBackend('offline push', (backend) => {
  let s: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    s = await startTestServer({ backend });
    alice = await registerTestUser(s, 'alice', 'main');
    bob = await registerTestUser(s, 'bob', 'main');
  });
  after(() => s.close());

  const op = (o: Record<string, unknown>) => ({ opId: newId(), baseRevision: null, revision: null, header: null, secret: null, keys: null, masked: false, conflict: null, conflictFields: 0, ...o });
  const push = async (token: string, ops: unknown[]) => {
    const r = await api<PushResponse>(s.url, 'POST', '/v1/db/main/offline/push', { token, body: { ops } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.results;
  };
  const get = async (id: string) => (await api<RecordWire>(s.url, 'GET', `/v1/db/main/records/${id}`, { token: alice.token })).body;
  const history = async (id: string) => (await api<History>(s.url, 'GET', `/v1/db/main/records/${id}/history`, { token: alice.token })).body;

  test('create and update applied once; a replay answers from the operation id', async () => {
    const id = newId();
    const r1 = newId();
    const create = op({ kind: 'create', record: id, revision: r1, header: b64(40), secret: b64(40), keys: { header: b64(60), secret: b64(60) } });
    const r2 = newId();
    const update = op({ kind: 'update', record: id, baseRevision: r1, revision: r2, header: b64(40), secret: b64(40) });
    assert.deepEqual((await push(alice.token, [create, update])).map((r) => r.status), ['applied', 'applied']);
    // The answer was lost: the same ops again change nothing.
    assert.deepEqual((await push(alice.token, [create, update])).map((r) => r.status), ['applied', 'applied']);
    assert.equal((await get(id)).revision, r2);
    assert.equal((await history(id)).revisions.length, 2);
  });

  test('a stale base stops the batch with the current record; the merged change keeps the offline version in history', async () => {
    const id = newId();
    const r1 = newId();
    await push(alice.token, [op({ kind: 'create', record: id, revision: r1, header: b64(40), secret: b64(40), keys: { header: b64(60), secret: b64(60) } })]);
    const online = newId();
    const put = await api(s.url, 'PUT', `/v1/db/main/records/${id}`, { token: alice.token, body: { baseRevision: r1, revision: online, header: b64(40), secret: b64(40) } });
    assert.equal(put.status, 200);
    const mine = newId();
    const stale = op({ kind: 'update', record: id, baseRevision: r1, revision: mine, header: b64(40), secret: b64(40) });
    const later = op({ kind: 'delete', record: id, baseRevision: mine });
    const res = await push(alice.token, [stale, later]);
    assert.equal(res.length, 1, 'stopped at the stale change');
    assert.equal(res[0]?.status, 'stale');
    assert.equal(res[0]?.current?.revision, online);
    const merged = newId();
    const again = await push(alice.token, [{ ...stale, baseRevision: online, revision: merged, conflict: { revision: mine, header: b64(40), secret: b64(40) }, conflictFields: 1 }]);
    assert.equal(again[0]?.status, 'conflict');
    assert.equal((await get(id)).revision, merged);
    const h = await history(id);
    assert.deepEqual(h.revisions.filter((r) => r.conflict).map((r) => r.revision), [mine]);
    // Deleting on a base that is not current: not applied, a conflict.
    const del = await push(alice.token, [op({ kind: 'delete', record: id, baseRevision: online })]);
    assert.equal(del[0]?.status, 'conflict');
    assert.equal((await get(id)).id, id);
  });

  test('no write right: rejected and audited; deleted on the server: deleted', async () => {
    const id = newId();
    const r1 = newId();
    await push(alice.token, [op({ kind: 'create', record: id, revision: r1, header: b64(40), secret: b64(40), keys: { header: b64(60), secret: b64(60) } })]);
    const g = await api(s.url, 'PUT', `/v1/db/main/records/${id}/grants`, { token: alice.token, body: { grantee: { kind: 'user', user: 'bob' }, rights: ['read'], keys: { header: b64(60), secret: b64(60) } } });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    const rej = await push(bob.token, [op({ kind: 'update', record: id, baseRevision: r1, revision: newId(), header: b64(40), secret: b64(40) })]);
    assert.equal(rej[0]?.status, 'rejected');
    assert.match(rej[0]?.reason ?? '', /write right/);
    const events = await s.storage.db.selectFrom('audit').select(['action', 'actor', 'target']).where('action', '=', 'offline_rejected').execute();
    assert.ok(events.some((e) => e.actor === 'bob' && e.target === id));
    assert.equal((await api(s.url, 'DELETE', `/v1/db/main/records/${id}`, { token: alice.token })).status, 200);
    const gone = await push(alice.token, [op({ kind: 'update', record: id, baseRevision: r1, revision: newId(), header: b64(40), secret: b64(40) })]);
    assert.equal(gone[0]?.status, 'deleted');
  });
});
