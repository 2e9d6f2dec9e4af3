/**
 * The audit log over a real server on both backends: every action of the server design is written
 * with its actor, database and target; `audit` lists newest first (also within one millisecond),
 * filters by database and time, and holds no secret. The binary's `audit` agrees with the service.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordWire, Release, Session } from '@safehold/protocol/api';
import { api, b64, newId, forEachBackend, manualClock, registerTestUser, runServerBin, startTestServer, storageArgs, type TestServer, type TestUser } from '@safehold/testkit';
import { listAudit, type AuditEntry } from './audit.js';

/** Every audit action of the server design (SERVER.md) but the Offline Add-on's, which its own specs check. */
const ACTIONS = [
  'register', 'login', 'login_failed', 'logout', 'password_changed', 'record_created', 'record_updated', 'record_deleted',
  'share', 'unshare', 'mask', 'unmask', 'seal', 'unseal', 'unseal_refused', 'release_requested', 'release_approved', 'role_created',
  'role_member_added', 'role_member_removed', 'db_created', 'db_updated', 'user_added', 'user_rights', 'user_removed', 'device_revoked',
];

forEachBackend('audit log', (backend) => {
  let s: TestServer;
  const clock = manualClock(Date.UTC(2026, 6, 1, 9));
  before(async () => {
    s = await startTestServer({ backend, clock });
  });
  after(() => s?.close());

  test('every action is audited, listed newest first even within one millisecond, filterable by db and time', async () => {
    const secrets: string[] = [];
    /** [action, actor, db, target] in the order they happen. */
    const expected: [string, string, string | null, string][] = [];
    const ex = (action: string, actor: string, db: string | null, target: string) => expected.push([action, actor, db, target]);
    const ok = async <T>(p: Promise<{ status: number; body: T }>): Promise<T> => {
      const r = await p;
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    // Phase 1, all at one clock time: the Server Manager and registrations.
    const t0 = clock.now();
    await s.admin.createDb('main', {});
    ex('db_created', 'admin', 'main', 'main');
    await s.admin.createDb('other', {});
    ex('db_created', 'admin', 'other', 'other');
    const alice: TestUser = await registerTestUser(s, 'alice', 'main');
    ex('user_added', 'admin', 'main', 'alice');
    ex('register', 'alice', null, 'alice');
    const bob: TestUser = await registerTestUser(s, 'bob', 'main');
    ex('user_added', 'admin', 'main', 'bob');
    ex('register', 'bob', null, 'bob');
    await s.admin.setUserRights('alice', 'main', { offline: true });
    ex('user_rights', 'admin', 'main', 'alice');
    await s.admin.setDbOffline('main', true);
    ex('db_updated', 'admin', 'main', 'main');
    secrets.push(alice.token, alice.authKey, bob.token, bob.authKey);

    // Phase 2, one millisecond later: accounts, records, sharing, seals, releases, roles, admin actions.
    clock.advance(1);
    const t1 = clock.now();
    const device = { id: newId(), name: 'second' };
    const l = await ok(api<Session>(s.url, 'POST', '/v1/login', { body: { user: 'alice', authKey: alice.authKey, device } }));
    ex('login', 'alice', null, 'alice');
    const wrongKey = b64(32);
    assert.equal((await api(s.url, 'POST', '/v1/login', { body: { user: 'bob', authKey: wrongKey, device } })).status, 401);
    ex('login_failed', 'bob', null, 'bob');
    await ok(api(s.url, 'POST', '/v1/logout', { token: l.token }));
    ex('logout', 'alice', null, 'alice');
    const newKey = b64(32);
    const kdf = { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1, salt: b64(16) };
    await ok(api(s.url, 'PUT', '/v1/me/password', { token: bob.token, body: { currentAuthKey: bob.authKey, authKey: newKey, kdf, userKeyEnc: b64(60) } }));
    ex('password_changed', 'bob', null, 'bob');
    secrets.push(l.token, wrongKey, newKey);

    const t = { token: alice.token };
    const rec = { id: newId(), revision: newId(), header: b64(48), secret: b64(48), keys: { header: b64(60), secret: b64(60) } };
    await ok(api<RecordWire>(s.url, 'POST', '/v1/db/main/records', { ...t, body: rec }));
    ex('record_created', 'alice', 'main', rec.id);
    const R = `/v1/db/main/records/${rec.id}`;
    const upd = { baseRevision: rec.revision, revision: newId(), header: b64(48), secret: b64(48) };
    await ok(api(s.url, 'PUT', R, { ...t, body: upd }));
    ex('record_updated', 'alice', 'main', rec.id);
    const gk = { header: b64(60), secret: b64(60) };
    await ok(api(s.url, 'PUT', `${R}/grants`, { ...t, body: { grantee: { kind: 'user', user: 'bob' }, rights: ['read'], keys: gk } }));
    ex('share', 'alice', 'main', rec.id);
    await ok(api(s.url, 'PUT', `${R}/mask`, { ...t, body: { masked: true } }));
    ex('mask', 'alice', 'main', rec.id);
    await ok(api(s.url, 'PUT', `${R}/mask`, { ...t, body: { masked: false } }));
    ex('unmask', 'alice', 'main', rec.id);
    const seal = {
      approvers: ['bob'],
      required: 1,
      windowMinutes: 5,
      baseRevision: upd.revision,
      revision: newId(),
      header: b64(48),
      secret: b64(48),
      secretKeys: [{ holder: { kind: 'user', user: 'alice' }, secret: b64(60) }],
    };
    await ok(api(s.url, 'PUT', `${R}/seal`, { ...t, body: seal }));
    ex('seal', 'alice', 'main', rec.id);
    const rel = await ok(api<Release>(s.url, 'POST', `${R}/releases`, { ...t, body: { reason: 'check' } }));
    ex('release_requested', 'alice', 'main', rec.id);
    await ok(api(s.url, 'POST', `/v1/db/main/releases/${rel.id}/approve`, { token: bob.token }));
    ex('release_approved', 'bob', 'main', rec.id);
    // Lifting the seal needs an approved unseal release (12.1); a lone attempt is audited as refused.
    assert.equal((await api(s.url, 'DELETE', `${R}/seal`, t)).status, 403);
    ex('unseal_refused', 'alice', 'main', rec.id);
    const lift = await ok(api<Release>(s.url, 'POST', `${R}/releases`, { ...t, body: { kind: 'unseal' } }));
    ex('release_requested', 'alice', 'main', rec.id);
    await ok(api(s.url, 'POST', `/v1/db/main/releases/${lift.id}/approve`, { token: bob.token }));
    ex('release_approved', 'bob', 'main', rec.id);
    await ok(api(s.url, 'DELETE', `${R}/seal`, t));
    ex('unseal', 'alice', 'main', rec.id);
    await ok(api(s.url, 'DELETE', `${R}/grants?user=bob`, t));
    ex('unshare', 'alice', 'main', rec.id);
    await ok(api(s.url, 'DELETE', R, t));
    ex('record_deleted', 'alice', 'main', rec.id);
    const memberKey = b64(80);
    await ok(api(s.url, 'POST', '/v1/db/main/roles', { ...t, body: { name: 'ops', publicKey: b64(32), memberKey } }));
    ex('role_created', 'alice', 'main', 'ops');
    await ok(api(s.url, 'PUT', '/v1/db/main/roles/ops/members/bob', { ...t, body: { memberKey } }));
    ex('role_member_added', 'alice', 'main', 'ops');
    await ok(api(s.url, 'DELETE', '/v1/db/main/roles/ops/members/bob', t));
    ex('role_member_removed', 'alice', 'main', 'ops');
    secrets.push(rec.header, rec.secret, rec.keys.header, rec.keys.secret, upd.header, upd.secret, gk.header, gk.secret, seal.secret, memberKey);
    secrets.push(...seal.secretKeys.map((k) => k.secret));

    assert.equal(await s.admin.addUser('bob', 'other'), null);
    ex('user_added', 'admin', 'other', 'bob');
    await s.admin.removeUser('bob', 'other');
    ex('user_removed', 'admin', 'other', 'bob');
    await s.admin.revokeDevice(bob.deviceId);
    ex('device_revoked', 'admin', null, bob.deviceId);

    const row = (e: AuditEntry) => [e.action, e.actor, e.db, e.target];
    const all = await s.admin.audit();
    assert.deepEqual(all.map(row), [...expected].reverse(), 'newest first, in write order within each millisecond');
    assert.deepEqual([...new Set(all.map((e) => e.action))].sort(), [...ACTIONS].sort(), 'every action of the design');
    assert.deepEqual(
      all.map((e) => Date.parse(e.at)),
      all.map((_, i) => (i < all.length - 8 ? t1 : t0)),
    );

    // Filters: database, time, both.
    const main = await s.admin.audit({ db: 'main' });
    assert.deepEqual(main.map(row), expected.filter((e) => e[2] === 'main').reverse());
    const since = await s.admin.audit({ since: t1 });
    assert.deepEqual(since.map(row), expected.slice(8).reverse());
    const both = await s.admin.audit({ db: 'other', since: t1 });
    assert.deepEqual(both.map(row), [
      ['user_removed', 'admin', 'other', 'bob'],
      ['user_added', 'admin', 'other', 'bob'],
    ]);
    await assert.rejects(s.admin.audit({ db: 'ghost' }), { code: 'not_found' });

    // Names and counts only: no token, auth key or ciphertext anywhere in the log.
    const text = JSON.stringify(await listAudit(s.storage.db));
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret in the audit log');

    // The binary lists the same, with the same filters; an unknown database exits 4, a bad time 2.
    const bin = await runServerBin([...storageArgs(s), 'audit', '--db', 'main', '--since', new Date(t1).toISOString(), '--json']);
    assert.equal(bin.code, 0, bin.stderr);
    assert.deepEqual((bin.json as { events: AuditEntry[] }).events, await s.admin.audit({ db: 'main', since: t1 }));
    const ghost = await runServerBin([...storageArgs(s), 'audit', '--db', 'ghost']);
    assert.equal(ghost.code, 4, ghost.stderr);
    assert.match(ghost.stderr, /^error: no database 'ghost'/);
    assert.equal((await runServerBin([...storageArgs(s), 'audit', '--since', '1st of July'])).code, 2);
  });
});
