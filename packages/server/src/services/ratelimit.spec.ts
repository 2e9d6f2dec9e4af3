/**
 * Failed-login limits under concurrency, through real listening servers on both backends: a burst of
 * guesses cannot overtake the count (in one process, and across two server processes on one storage),
 * concurrent logins of one account are not refused, password-change guesses count too, and one invite
 * registers one account however many use it at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '@safehold/protocol/api';
import {
  api,
  b64,
  fakeRegistration,
  forEachBackend,
  manualClock,
  newDeviceId,
  openTestStorage,
  registerTestUser,
  runServerBin,
  startServerProcess,
  startTestServer,
  storageArgs,
  type ServerProcess,
  type TestServer,
} from '@safehold/testkit';
import type { Storage } from '../storage/open.js';
import { DEFAULT_RATE_LIMITS } from '../config.js';

const login = (url: string, user: string, authKey: string) =>
  api<Session>(url, 'POST', '/v1/login', { body: { user, authKey, device: { id: newDeviceId(), name: 'x' } } });

const statuses = (rs: { status: number }[]): Record<number, number> => {
  const out: Record<number, number> = {};
  for (const r of rs) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
};

forEachBackend('failed-login limits under concurrency', (backend) => {
  let s: TestServer;
  const clock = manualClock(Date.UTC(2026, 6, 1));
  const WINDOW = 10 * 60 * 1000;
  before(async () => {
    s = await startTestServer({ backend, clock, limits: { userFailures: 3, addressFailures: 1000, windowMs: WINDOW } });
  });
  after(() => s?.close());

  test('a burst of concurrent guesses gets exactly the allowed number checked; the rest are 429', async () => {
    const u = await registerTestUser(s, 'bob', 'main');
    const burst = await Promise.all(Array.from({ length: 20 }, () => login(s.url, 'bob', b64(32))));
    assert.deepEqual(statuses(burst), { 401: 3, 429: 17 });
    const audited = (await s.admin.audit()).filter((e) => e.action === 'login_failed' && e.target === 'bob');
    assert.equal(audited.length, 3, 'only checked attempts are failures');
    assert.equal((await login(s.url, 'bob', u.authKey)).status, 429, 'the right key waits for the window too');
    clock.advance(WINDOW);
    assert.equal((await login(s.url, 'bob', u.authKey)).status, 200);
  });

  test('many concurrent logins of one account all succeed', async () => {
    const u = await registerTestUser(s, 'carol', 'main');
    const burst = await Promise.all(Array.from({ length: 20 }, () => login(s.url, 'carol', u.authKey)));
    assert.deepEqual(statuses(burst), { 200: 20 });
    assert.equal(new Set(burst.map((r) => r.body.token)).size, 20);
  });

  test('wrong current keys in a password change count against the user and are audited', async () => {
    const u = await registerTestUser(s, 'dave', 'main');
    const body = (current: string) => ({
      currentAuthKey: current,
      authKey: b64(32),
      kdf: { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1, salt: b64(16) },
      userKeyEnc: b64(60),
    });
    const burst = await Promise.all(Array.from({ length: 6 }, () => api(s.url, 'PUT', '/v1/me/password', { token: u.token, body: body(b64(32)) })));
    assert.deepEqual(statuses(burst), { 401: 3, 429: 3 });
    const ev = (await s.admin.audit()).filter((e) => e.action === 'login_failed' && e.target === 'dave');
    assert.equal(ev.length, 3);
    assert.equal(ev[0]?.detail['during'], 'password_change');
    assert.equal((await login(s.url, 'dave', u.authKey)).status, 429, 'login is limited by the same count');
    clock.advance(WINDOW);
    assert.equal((await api(s.url, 'PUT', '/v1/me/password', { token: u.token, body: body(u.authKey) })).status, 200);
  });

  test('one invite used by many registrations at once registers exactly one', async () => {
    const invite = await s.admin.addUser('erin', 'main');
    assert.ok(invite);
    const regs = await Promise.all(Array.from({ length: 8 }, () => api<Session>(s.url, 'POST', '/v1/register', { body: fakeRegistration('erin', invite).body })));
    assert.deepEqual(statuses(regs), { 200: 1, 401: 7 });
    const devices = await s.admin.listDevices('erin');
    assert.equal(devices.length, 1);
    assert.equal((await s.admin.audit()).filter((e) => e.action === 'register' && e.target === 'erin').length, 1);
  });
});

forEachBackend('failed-login limits across two server processes', (backend) => {
  let st: { storage: Storage; dataDir: string | null; databaseUrl: string | null; close(): Promise<void> };
  let a: ServerProcess;
  let b: ServerProcess;
  before(async () => {
    st = await openTestStorage(backend);
    [a, b] = await Promise.all([startServerProcess(storageArgs(st)), startServerProcess(storageArgs(st))]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await st?.close();
  });

  test('concurrent guesses split over both processes add up to one exact limit; concurrent logins succeed', async () => {
    const sm = (...args: string[]) => runServerBin([...storageArgs(st), ...args, '--json']);
    assert.equal((await sm('db', 'create', 'main')).code, 0);
    const keys: Record<string, string> = {};
    for (const name of ['frank', 'gina']) {
      const add = await sm('user', 'add', name, '--db', 'main');
      assert.equal(add.code, 0, add.stderr);
      const reg = fakeRegistration(name, (add.json as { invite: string }).invite);
      assert.equal((await api(a.url, 'POST', '/v1/register', { body: reg.body })).status, 200);
      keys[name] = reg.authKey;
    }
    const n = DEFAULT_RATE_LIMITS.userFailures * 3;
    const guesses = await Promise.all(Array.from({ length: n }, (_, i) => login((i % 2 ? a : b).url, 'frank', b64(32))));
    assert.deepEqual(statuses(guesses), { 401: DEFAULT_RATE_LIMITS.userFailures, 429: n - DEFAULT_RATE_LIMITS.userFailures });
    for (const via of [a, b]) assert.equal((await login(via.url, 'frank', keys['frank'] as string)).status, 429);

    const logins = await Promise.all(Array.from({ length: 16 }, (_, i) => login((i % 2 ? a : b).url, 'gina', keys['gina'] as string)));
    assert.deepEqual(statuses(logins), { 200: 16 });
  });
});
