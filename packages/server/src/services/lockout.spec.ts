/**
 * Issue 12.8: nobody can lock an account out. Failed logins are limited per (user, address) and per
 * address; per user (over all addresses) attempts are slowed, never refused, with a cap, so the right
 * password from a fresh address always works. /v1/register checks the invite before Argon2id and is
 * rate-limited per address. Addresses come from X-Forwarded-For (a server behind a trusted proxy);
 * the slow-down sleeps on the injected manual clock, which records each wait (no wall time asserted).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '@safehold/protocol/api';
import { hashAuthKey } from '@safehold/crypto';
import { api, b64, fakeRegistration, forEachBackend, manualClock, newDeviceId, registerTestUser, startTestServer, type TestServer } from '@safehold/testkit';

const WINDOW = 10 * 60 * 1000;
const LIMITS = { userFailures: 3, addressFailures: 6, windowMs: WINDOW, userSlowdownAfter: 4, slowdownBaseMs: 100, slowdownCapMs: 1600, registerFailures: 3 };

forEachBackend('no lockout by others (12.8)', (backend) => {
  let s: TestServer;
  const clock = manualClock(Date.UTC(2026, 7, 1));
  let hashes = 0;
  before(async () => {
    s = await startTestServer({
      backend,
      clock,
      limits: LIMITS,
      trustProxy: true,
      authHasher: (key) => {
        hashes++;
        return hashAuthKey(key);
      },
    });
    await s.admin.createDb('main');
  });
  after(() => s?.close());

  const from = (address: string) => ({ 'x-forwarded-for': address });
  const login = (user: string, authKey: string, address: string) =>
    api<Session>(s.url, 'POST', '/v1/login', { body: { user, authKey, device: { id: newDeviceId(), name: 'x' } }, headers: from(address) });

  test('guesses from one address lock that address out of that account, never the owner at another address', async () => {
    const u = await registerTestUser(s, 'bob', 'main');
    for (let i = 0; i < 3; i++) assert.equal((await login('bob', b64(32), '203.0.113.7')).status, 401);
    assert.equal((await login('bob', u.authKey, '203.0.113.7')).status, 429, 'the guessing address waits for the window');
    assert.equal((await login('bob', u.authKey, '198.51.100.20')).status, 200, 'the owner elsewhere logs in');
  });

  test('guesses spread over many addresses slow the account down (capped), never refuse the right password', async () => {
    const u = await registerTestUser(s, 'carol', 'main');
    clock.slept.length = 0;
    for (let i = 0; i < 40; i++) assert.equal((await login('carol', b64(32), `192.0.2.${i}`)).status, 401, `guess ${i}`);
    const waits = [...clock.slept];
    assert.equal(waits.filter((w) => w > 0).length, 40 - LIMITS.userSlowdownAfter, 'every attempt past the free ones waits');
    assert.deepEqual(waits.slice(0, 5), [100, 200, 400, 800, 1600]);
    assert.ok(waits.every((w) => w <= LIMITS.slowdownCapMs), 'the wait is capped');
    clock.slept.length = 0;
    assert.equal((await login('carol', u.authKey, '198.51.100.99')).status, 200, 'a fresh address with the right password');
    assert.deepEqual(clock.slept, [LIMITS.slowdownCapMs], 'even the right password waits at most the cap');
    // The success ends the slow-down.
    clock.slept.length = 0;
    assert.equal((await login('carol', u.authKey, '198.51.100.99')).status, 200);
    assert.deepEqual(clock.slept, []);
  });

  test('one address spraying many names is limited as a whole', async () => {
    clock.advance(WINDOW);
    const u = await registerTestUser(s, 'dora', 'main');
    for (let i = 0; i < 6; i++) assert.equal((await login(`spray${i}`, b64(32), '203.0.113.50')).status, 401);
    assert.equal((await login('dora', u.authKey, '203.0.113.50')).status, 429);
    assert.equal((await login('dora', u.authKey, '203.0.113.51')).status, 200);
  });

  test('register checks the invite before Argon2id, and bad invites are limited per address', async () => {
    clock.advance(WINDOW);
    const invite = await s.admin.addUser('erin', 'main');
    assert.ok(invite);
    hashes = 0;
    for (let i = 0; i < 3; i++) {
      const bad = await api(s.url, 'POST', '/v1/register', { body: fakeRegistration('erin', b64(24)).body, headers: from('203.0.113.80') });
      assert.equal(bad.status, 401);
    }
    assert.equal(hashes, 0, 'no Argon2id work for an unknown invite');
    const limited = await api(s.url, 'POST', '/v1/register', { body: fakeRegistration('erin', invite).body, headers: from('203.0.113.80') });
    assert.equal(limited.status, 429);
    const ok = await api(s.url, 'POST', '/v1/register', { body: fakeRegistration('erin', invite).body, headers: from('203.0.113.81') });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(hashes, 1);
  });
});
