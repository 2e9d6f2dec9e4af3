import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '@safehold/protocol/api';
import { api, b64, newId, createPgDatabase, fakeRegistration, runServerBin, startServerProcess, type PgDatabase, type ServerProcess } from '@safehold/testkit';
import { DEFAULT_RATE_LIMITS } from './config.js';

describe('two server processes on one PostgreSQL', () => {
  let pgdb: PgDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  before(async () => {
    pgdb = await createPgDatabase();
    // Both start on a fresh database at once: migrations and the signing key must not race.
    [a, b] = await Promise.all([startServerProcess(['--database-url', pgdb.url]), startServerProcess(['--database-url', pgdb.url])]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await pgdb?.drop();
  });

  test('serve the same users, sessions, keys and rate-limit counters consistently', async () => {
    const ka = await api<{ signingPublicKey: string }>(a.url, 'GET', '/v1/server-key');
    const kb = await api<{ signingPublicKey: string }>(b.url, 'GET', '/v1/server-key');
    assert.equal(ka.body.signingPublicKey, kb.body.signingPublicKey);

    const sm = (...args: string[]) => runServerBin(['--database-url', pgdb.url, ...args]);
    assert.equal((await sm('db', 'create', 'main', '--offline', 'on')).code, 0);
    const add = await sm('user', 'add', 'alice', '--db', 'main', '--json');
    assert.equal(add.code, 0, add.stderr);
    const invite = (add.json as { invite: string }).invite;

    const reg = fakeRegistration('alice', invite);
    const r = await api<Session>(a.url, 'POST', '/v1/register', { body: reg.body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // The invite is used up for both processes.
    assert.equal((await api(b.url, 'POST', '/v1/register', { body: fakeRegistration('alice', invite).body })).status, 401);
    // A session made by one process works on the other.
    assert.equal((await api(b.url, 'GET', '/v1/me', { token: r.body.token })).status, 200);
    const pre = await api<{ kdf: unknown }>(b.url, 'POST', '/v1/prelogin', { body: { user: 'ghost' } });
    const preA = await api<{ kdf: unknown }>(a.url, 'POST', '/v1/prelogin', { body: { user: 'ghost' } });
    assert.deepEqual(pre.body, preA.body, 'fake prelogin answers agree across processes');

    const device = { id: newId(), name: 'second' };
    const l = await api<Session>(b.url, 'POST', '/v1/login', { body: { user: 'alice', authKey: reg.authKey, device } });
    assert.equal(l.status, 200);
    assert.equal((await api(a.url, 'GET', '/v1/me', { token: l.body.token })).status, 200);
    assert.equal((await api(a.url, 'POST', '/v1/logout', { token: l.body.token })).status, 200);
    assert.equal((await api(b.url, 'GET', '/v1/me', { token: l.body.token })).status, 401, 'logout on one ends it on both');

    // Failed logins alternate between processes and still add up to one limit.
    for (let i = 0; i < DEFAULT_RATE_LIMITS.userFailures; i++) {
      const via = i % 2 === 0 ? a : b;
      const f = await api(via.url, 'POST', '/v1/login', { body: { user: 'alice', authKey: b64(32), device } });
      assert.equal(f.status, 401, `failure ${i}`);
    }
    for (const via of [a, b]) {
      const blocked = await api(via.url, 'POST', '/v1/login', { body: { user: 'alice', authKey: reg.authKey, device } });
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    }

    // A manager change is seen by both at once.
    assert.equal((await sm('device', 'revoke', reg.body.device.id)).code, 0);
    for (const via of [a, b]) {
      const me = await api<{ error: { code: string } }>(via.url, 'GET', '/v1/me', { token: r.body.token });
      assert.equal(me.body.error.code, 'device_revoked');
    }
  });
});
