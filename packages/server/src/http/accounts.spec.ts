import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '@safehold/protocol/api';
import { forEachBackend, startTestServer, manualClock, api, fakeRegistration, registerTestUser, b64, newDeviceId, type TestServer, type ManualClock } from '@safehold/testkit';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

forEachBackend('accounts over HTTP', (backend) => {
  let s: TestServer;
  let clock: ManualClock;
  before(async () => {
    clock = manualClock(Date.UTC(2026, 5, 1));
    s = await startTestServer({ backend, clock, limits: { userFailures: 3, addressFailures: 8, windowMs: 10 * 60 * 1000 } });
    await s.admin.createDb('main', { offline: true });
    await s.admin.createDb('other', {});
  });
  after(async () => {
    await s.close();
  });

  const login = (user: string, authKey: string, deviceId = newDeviceId(), headers?: Record<string, string>) =>
    api<Session>(s.url, 'POST', '/v1/login', { body: { user, authKey, device: { id: deviceId, name: 'laptop' } }, ...(headers ? { headers } : {}) });

  test('health and server key are public', async () => {
    const h = await api<{ ok: boolean; version: string }>(s.url, 'GET', '/v1/health');
    assert.equal(h.status, 200);
    assert.equal(h.body.ok, true);
    const k = await api<{ signingPublicKey: string }>(s.url, 'GET', '/v1/server-key');
    assert.equal(k.status, 200);
    assert.equal(Buffer.from(k.body.signingPublicKey, 'base64url').length, 32);
  });

  test('a device id that begins with "-" is refused: an admin could not type it to device revoke', async () => {
    const invite = (await s.admin.addUser('dashy', 'main', {}))!;
    const dashed = `-${newDeviceId().slice(1)}`;
    const r = await api<{ error: { code: string } }>(s.url, 'POST', '/v1/register', { body: fakeRegistration('dashy', invite, dashed).body });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'bad_request');
    // The invite was not used up by the refused attempt.
    const ok = fakeRegistration('dashy', invite);
    assert.equal((await api(s.url, 'POST', '/v1/register', { body: ok.body })).status, 200);
    assert.equal((await login('dashy', ok.authKey, dashed)).status, 400);
    assert.equal((await login('dashy', ok.authKey, `_${dashed.slice(1)}`)).status, 200);
  });

  test('register, me, logout, login', async () => {
    const invite = await s.admin.addUser('alice', 'main', { admin: true });
    assert.ok(invite && invite.length >= 22);
    await s.admin.setUserRights('alice', 'main', { offline: true });
    const reg = fakeRegistration('alice', invite);
    const r = await api<Session>(s.url, 'POST', '/v1/register', { body: reg.body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user, 'alice');
    assert.equal(r.body.admin, true);
    assert.equal(r.body.device, reg.body.device.id);
    assert.deepEqual(r.body.kdf, reg.body.kdf);
    assert.equal(r.body.userKeyEnc, reg.body.userKeyEnc);
    assert.equal(r.body.privateKeyEnc, reg.body.privateKeyEnc);
    assert.deepEqual(r.body.databases, [{ name: 'main', offline: true, offlineRight: true, offlineDays: 7 }]);
    assert.equal(Date.parse(r.body.expiresAt), clock.now() + 12 * HOUR);
    // The token is stored hashed: it appears nowhere in the sessions table.
    const rows = await s.storage.db.selectFrom('sessions').select('token_hash').execute();
    assert.ok(rows.length >= 1 && rows.every((x) => x.token_hash !== r.body.token));

    const me = await api<{ user: string; device: string; databases: unknown[] }>(s.url, 'GET', '/v1/me', { token: r.body.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user, 'alice');
    assert.equal(me.body.device, reg.body.device.id);

    const pre = await api<{ kdf: unknown }>(s.url, 'POST', '/v1/prelogin', { body: { user: 'alice' } });
    assert.deepEqual(pre.body.kdf, reg.body.kdf);

    const out = await api(s.url, 'POST', '/v1/logout', { token: r.body.token });
    assert.deepEqual(out.body, { ok: true });
    const me2 = await api<{ error: { code: string } }>(s.url, 'GET', '/v1/me', { token: r.body.token });
    assert.equal(me2.status, 401);
    assert.equal(me2.body.error.code, 'unauthorized');

    const l = await login('alice', reg.authKey, reg.body.device.id);
    assert.equal(l.status, 200);
    assert.notEqual(l.body.token, r.body.token);
    assert.equal((await api(s.url, 'GET', '/v1/me', { token: l.body.token })).status, 200);

    const audit = await s.admin.audit();
    const actions = audit.map((e) => e.action);
    for (const a of ['register', 'logout', 'login']) assert.ok(actions.includes(a), a);
    assert.ok(!JSON.stringify(audit).includes(reg.authKey), 'the auth key is never in the audit log');
  });

  test('a wrong auth key is refused with bad_credentials and audited', async () => {
    const u = await registerTestUser(s, 'bob', 'main');
    const r = await login('bob', b64(32));
    assert.equal(r.status, 401);
    assert.deepEqual(Object.keys(r.body as object), ['error']);
    assert.equal((r.body as unknown as { error: { code: string } }).error.code, 'bad_credentials');
    const unknown = await login('nobody', b64(32));
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, r.body, 'unknown user and wrong key answer alike');
    const ev = (await s.admin.audit()).find((e) => e.action === 'login_failed' && e.target === 'bob');
    assert.ok(ev);
    assert.equal(typeof ev.detail['address'], 'string');
    assert.equal((await login('bob', u.authKey)).status, 200);
  });

  test('an invite works once, for its user, and expires after 7 days', async () => {
    const inv = await s.admin.addUser('carol', 'main');
    assert.ok(inv);
    const wrongUser = await api<{ error: { code: string } }>(s.url, 'POST', '/v1/register', { body: fakeRegistration('alice', inv).body });
    assert.equal(wrongUser.status, 401);
    assert.equal(wrongUser.body.error.code, 'bad_invite');
    assert.equal((await api(s.url, 'POST', '/v1/register', { body: fakeRegistration('carol', inv).body })).status, 200);
    const again = await api<{ error: { code: string } }>(s.url, 'POST', '/v1/register', { body: fakeRegistration('carol', inv).body });
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, 'bad_invite');

    const inv2 = await s.admin.addUser('dave', 'main');
    assert.ok(inv2);
    clock.advance(7 * DAY + 1);
    const late = await api<{ error: { code: string } }>(s.url, 'POST', '/v1/register', { body: fakeRegistration('dave', inv2).body });
    assert.equal(late.status, 401);
    assert.equal(late.body.error.code, 'bad_invite');
    const fresh = await s.admin.reinvite('dave');
    assert.equal((await api(s.url, 'POST', '/v1/register', { body: fakeRegistration('dave', fresh).body })).status, 200);
    const bogus = await api<{ error: { code: string } }>(s.url, 'POST', '/v1/register', { body: fakeRegistration('erin', 'x'.repeat(32)).body });
    assert.equal(bogus.body.error.code, 'bad_invite');
  });

  test('prelogin of an unknown or pending user is stable and shaped like a real answer', async () => {
    const a = await api<{ kdf: Record<string, unknown> }>(s.url, 'POST', '/v1/prelogin', { body: { user: 'ghost' } });
    const b = await api<{ kdf: Record<string, unknown> }>(s.url, 'POST', '/v1/prelogin', { body: { user: 'ghost' } });
    const c = await api<{ kdf: Record<string, unknown> }>(s.url, 'POST', '/v1/prelogin', { body: { user: 'ghost2' } });
    const real = await api<{ kdf: Record<string, unknown> }>(s.url, 'POST', '/v1/prelogin', { body: { user: 'alice' } });
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, b.body);
    assert.notEqual(a.body.kdf['salt'], c.body.kdf['salt']);
    assert.deepEqual(Object.keys(a.body.kdf).sort(), Object.keys(real.body.kdf).sort());
    assert.equal(String(a.body.kdf['salt']).length, String(real.body.kdf['salt']).length);
    for (const k of ['alg', 'memoryKiB', 'iterations', 'parallelism']) assert.equal(a.body.kdf[k], real.body.kdf[k], k);
    await s.admin.addUser('pending', 'main');
    const p = await api<{ kdf: Record<string, unknown> }>(s.url, 'POST', '/v1/prelogin', { body: { user: 'pending' } });
    assert.deepEqual(Object.keys(p.body.kdf).sort(), Object.keys(real.body.kdf).sort());
  });

  test('failed logins are limited per user (429 + Retry-After); a success resets; the window ends', async () => {
    const u = await registerTestUser(s, 'frank', 'main');
    for (let i = 0; i < 2; i++) assert.equal((await login('frank', b64(32))).status, 401);
    assert.equal((await login('frank', u.authKey)).status, 200, 'success resets the user counter');
    for (let i = 0; i < 3; i++) assert.equal((await login('frank', b64(32))).status, 401);
    const blocked = await login('frank', u.authKey);
    assert.equal(blocked.status, 429);
    assert.equal((blocked.body as unknown as { error: { code: string } }).error.code, 'rate_limited');
    const retry = Number(blocked.headers.get('retry-after'));
    assert.ok(retry > 0 && retry <= 600, `retry-after ${retry}`);
    // Others are not affected by frank's counter.
    const other = await registerTestUser(s, 'bob2', 'main');
    assert.equal((await login('bob2', other.authKey)).status, 200);
    clock.advance(retry * 1000);
    assert.equal((await login('frank', u.authKey)).status, 200);
  });

  test('failed logins are limited per address; many successful logins from one address are fine', async () => {
    clock.advance(11 * 60 * 1000); // a fresh window for the address
    const u = await registerTestUser(s, 'gina', 'main');
    for (let i = 0; i < 12; i++) assert.equal((await login('gina', u.authKey)).status, 200);
    for (let i = 0; i < 8; i++) assert.equal((await login(`spray${i}`, b64(32))).status, 401);
    const blocked = await login('gina', u.authKey);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    clock.advance(11 * 60 * 1000);
    assert.equal((await login('gina', u.authKey)).status, 200);
  });

  test('revoking a device ends its sessions at once; the device cannot log in again', async () => {
    const u = await registerTestUser(s, 'hank', 'main');
    assert.equal((await api(s.url, 'GET', '/v1/me', { token: u.token })).status, 200);
    const devs = await s.admin.listDevices('hank');
    assert.equal(devs.length, 1);
    assert.equal(devs[0]?.id, u.deviceId);
    await s.admin.revokeDevice(u.deviceId);
    const me = await api<{ error: { code: string } }>(s.url, 'GET', '/v1/me', { token: u.token });
    assert.equal(me.status, 401);
    assert.equal(me.body.error.code, 'device_revoked');
    const l = await login('hank', u.authKey, u.deviceId);
    assert.equal(l.status, 401);
    assert.equal((l.body as unknown as { error: { code: string } }).error.code, 'device_revoked');
    assert.equal((await login('hank', u.authKey)).status, 200, 'another device still works');
  });

  test('sessions expire after 12 hours', async () => {
    const u = await registerTestUser(s, 'ivan', 'main');
    clock.advance(12 * HOUR - 1000);
    assert.equal((await api(s.url, 'GET', '/v1/me', { token: u.token })).status, 200);
    clock.advance(1000);
    const r = await api<{ error: { code: string } }>(s.url, 'GET', '/v1/me', { token: u.token });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'unauthorized');
  });

  test('a removed user loses sessions and cannot log in', async () => {
    const u = await registerTestUser(s, 'jane', 'main');
    await s.admin.removeUser('jane');
    assert.equal((await api(s.url, 'GET', '/v1/me', { token: u.token })).status, 401);
    assert.equal((await login('jane', u.authKey)).status, 401);
  });

  test('bad input: malformed JSON, unknown fields, missing auth, oversize body, unknown route', async () => {
    const bad = await api<{ error: { code: string; message: string } }>(s.url, 'POST', '/v1/login', { rawBody: '{"user":' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'bad_request');
    const extra = await api<{ error: { code: string; message: string } }>(s.url, 'POST', '/v1/prelogin', { body: { user: 'alice', extra: 1 } });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error.code, 'bad_request');
    const badName = await api<{ error: { code: string } }>(s.url, 'POST', '/v1/prelogin', { body: { user: '../etc' } });
    assert.equal(badName.status, 400);
    const noAuth = await api<{ error: { code: string } }>(s.url, 'GET', '/v1/me');
    assert.equal(noAuth.status, 401);
    assert.equal(noAuth.body.error.code, 'unauthorized');
    const garbageToken = await api<{ error: { code: string } }>(s.url, 'GET', '/v1/me', { token: b64(32) });
    assert.equal(garbageToken.status, 401);
    const big = await api<{ error: { code: string } }>(s.url, 'POST', '/v1/prelogin', { rawBody: JSON.stringify({ user: 'a'.repeat(2 * 1024 * 1024) }) });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'payload_too_large');
    const nf = await api<{ error: { code: string; message: string } }>(s.url, 'GET', '/v1/nope');
    assert.equal(nf.status, 404);
    assert.deepEqual(Object.keys(nf.body.error).sort(), ['code', 'message']);
    assert.equal(nf.body.error.code, 'not_found');
  });

  test('password change needs the current auth key and replaces kdf, auth hash and wrapped user key only', async () => {
    const u = await registerTestUser(s, 'kate', 'main');
    const before = await s.storage.db.selectFrom('users').selectAll().where('name', '=', 'kate').executeTakeFirstOrThrow();
    const next = { authKey: b64(32), kdf: { alg: 'argon2id', memoryKiB: 65536, iterations: 4, parallelism: 1, salt: b64(16) }, userKeyEnc: b64(60) };
    const wrong = await api<{ error: { code: string } }>(s.url, 'PUT', '/v1/me/password', { token: u.token, body: { currentAuthKey: b64(32), ...next } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'bad_credentials');
    const ok = await api(s.url, 'PUT', '/v1/me/password', { token: u.token, body: { currentAuthKey: u.authKey, ...next } });
    assert.equal(ok.status, 200);
    const afterRow = await s.storage.db.selectFrom('users').selectAll().where('name', '=', 'kate').executeTakeFirstOrThrow();
    assert.equal(afterRow.public_key, before.public_key);
    assert.equal(afterRow.private_key_enc, before.private_key_enc);
    assert.equal(afterRow.user_key_enc, next.userKeyEnc);
    assert.deepEqual(JSON.parse(afterRow.kdf ?? ''), next.kdf);
    assert.equal((await login('kate', u.authKey)).status, 401);
    const l = await login('kate', next.authKey);
    assert.equal(l.status, 200);
    assert.deepEqual(l.body.kdf, next.kdf);
    assert.ok((await s.admin.audit()).some((e) => e.action === 'password_changed' && e.target === 'kate'));
  });

  test('public keys only of users sharing a database', async () => {
    const a = await registerTestUser(s, 'lena', 'main');
    const o = await registerTestUser(s, 'mike', 'other');
    const same = await api<{ user: string; publicKey: string }>(s.url, 'GET', '/v1/users/kate/public-key', { token: a.token });
    assert.equal(same.status, 200);
    assert.equal(same.body.user, 'kate');
    const foreign = await api<{ error: { code: string } }>(s.url, 'GET', '/v1/users/kate/public-key', { token: o.token });
    assert.equal(foreign.status, 404);
    assert.equal((await api(s.url, 'GET', '/v1/users/ghost/public-key', { token: a.token })).status, 404);
    assert.equal((await api(s.url, 'GET', '/v1/users/mike/public-key', { token: o.token })).status, 200, 'self');
    // Membership changes show at once: no caches.
    await s.admin.addUser('mike', 'main');
    assert.equal((await api(s.url, 'GET', '/v1/users/kate/public-key', { token: o.token })).status, 200);
    const me = await api<{ databases: { name: string }[] }>(s.url, 'GET', '/v1/me', { token: o.token });
    assert.deepEqual(me.body.databases.map((d) => d.name), ['main', 'other']);
  });
});
