/** Offline e2e: expiry and the clock rule (E1) with a shifted client clock; the four wipe causes (E2) and their audit (E6). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { World, DAY_MS } from './offline-harness.js';

describe('offline e2e: expiry (E1)', () => {
  test('refused with exit 6 and the date once expired; a clock moved back is refused; a refused attempt records nothing', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'main', { offlineDays: 2 });
    await w.add('alice', ['--name', 'travel']);
    const s = await w.ok('alice', ['offline', 'sync', '--json']);
    assert.equal(s.json.total, 1);
    const st = await w.ok('alice', ['offline', 'status', '--json']);
    const expiresAt = st.json.expiresAt as string;
    await w.stopServer();
    const at = (offsetMs: number, args = ['list', '--json']) => w.client('alice', args, { clockOffsetMs: offsetMs });
    assert.equal((await at(DAY_MS)).code, 0, 'one day later: fine');
    const expired = await at(3 * DAY_MS);
    assert.equal(expired.code, 6);
    assert.ok(expired.stderr.includes(expiresAt), `states the date: ${expired.stderr}`);
    // Back to a time before the last recorded use (+1 day): refused.
    const back = await at(DAY_MS / 2);
    assert.equal(back.code, 6);
    assert.match(back.stderr, /earlier than the last recorded use/);
    // The refusals recorded nothing: +1 day and a minute still works (the +3 days attempt did not count).
    assert.equal((await at(DAY_MS + 60_000)).code, 0);
    // --offline forces the same rules.
    assert.equal((await at(3 * DAY_MS, ['--offline', 'search', 'travel'])).code, 6);
  });
});

describe('offline e2e: wipe (E2) and its audit (E6)', () => {
  test('right withdrawn, user removed, device revoked, offline disabled: each wipes at the next contact; status says why', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    const users = { right_withdrawn: 'ursula', user_removed: 'victor', device_revoked: 'wanda', offline_disabled: 'xavier' } as const;
    for (const u of Object.values(users)) {
      await w.newUser(u, 'main', { offlineDays: 3 });
      await w.add(u, ['--name', `${u}-record`]);
      await w.ok(u, ['offline', 'sync']);
      assert.ok(w.offlineFiles(u).some((f) => f.endsWith('.sqlite')));
    }
    await w.smOk('user', 'rights', users.right_withdrawn, '--db', 'main', '--offline', 'off');
    await w.smOk('user', 'remove', users.user_removed, '--db', 'main');
    const devices = await w.smOk('device', 'list', '--user', users.device_revoked, '--json');
    const dev = (devices.json.devices as Array<{ id: string }>)[0];
    assert.ok(dev);
    await w.smOk('device', 'revoke', dev.id);
    for (const [reason, u] of Object.entries(users)) {
      if (reason === 'offline_disabled') await w.smOk('db', 'set', 'main', '--offline', 'off');
      const r = await w.client(u, ['offline', 'sync']);
      assert.equal(r.code, 6, `${u}: ${r.stderr}`);
      assert.match(r.stderr, /wiped/);
      const left = w.offlineFiles(u);
      assert.deepEqual(left.filter((f) => f.endsWith('.sqlite') || f.endsWith('.key.json')), [], `${reason}: file and wrapped key gone`);
      const st = await w.ok(u, ['offline', 'status', '--json']);
      assert.equal(st.json.wiped?.reason, reason);
      assert.equal(st.json.records, 0);
      // Offline use now says why (exit 6), and nothing of it remains to open.
      await w.stopServer();
      const use = await w.client(u, ['--offline', 'list']);
      assert.equal(use.code, 6);
      assert.match(use.stderr, /wiped/);
      await w.startServer();
    }
    const audit = await w.smOk('audit', '--json');
    // Issue 12.4: delivered and acknowledged (by the wiped device itself) are audited separately.
    const events = audit.json.events as Array<{ action: string; detail: { reason?: string } }>;
    const reasons = (action: string) => events.filter((e) => e.action === action).map((e) => e.detail.reason).sort();
    assert.deepEqual(reasons('offline_wipe_delivered'), Object.keys(users).sort());
    assert.deepEqual(reasons('offline_wipe_acknowledged'), Object.keys(users).sort());
  });
});
