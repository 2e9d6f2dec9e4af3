import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SafeholdError } from '@safehold/protocol';
import { setupOffline, makeWire } from '@safehold/testkit/sdk-offline';
import { syncOffline } from './sync.js';
import { openOfflineSource } from './index.js';
import { unlockOffline } from './unlock.js';
import { locate } from './locate.js';
import { offlineStatus, listOfflineDatabases, changeSettings, removeOfflineDatabase } from './manage.js';
import { runAgent } from './agent.js';
import { FREE_ATTEMPTS } from './throttle.js';

const DAY = 86_400_000;
const isCode = (code: string) => (e: unknown) => e instanceof SafeholdError && e.code === code;

describe('offline unlock (E1, throttling)', () => {
  test('the master password alone opens it with no server; wrong password exit 3; throttled after repeated failures', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A', password: 'pw-a' }));
    await syncOffline(ctx, { create: true });
    await srv.stop();
    const base = { home: ctx.home, server: srv.url, user: 'alice', db: 'main', device: ctx.device.id, clock: () => ctx.now.value };
    const s = await unlockOffline({ ...base, password: u.password });
    assert.ok(s);
    assert.equal(s.store.count(), 1);
    s.close();
    for (let i = 0; i < FREE_ATTEMPTS; i++) {
      await assert.rejects(unlockOffline({ ...base, password: 'wrong' }), (e: unknown) => isCode('bad_credentials')(e) && (e as SafeholdError).exitCode === 3);
    }
    // Now even the right password must wait: exit 6 offline_locked with the wait.
    await assert.rejects(unlockOffline({ ...base, password: u.password }), (e: unknown) => isCode('offline_locked')(e) && /try again in \d+ s/.test((e as Error).message));
    // A caller holding the user key (an unlocked session) tries no password: not throttled, and it clears nothing.
    const byKey = await unlockOffline({ ...base, userKey: ctx.keyring.userKey });
    assert.ok(byKey);
    byKey.close();
    await assert.rejects(unlockOffline({ ...base, password: u.password }), isCode('offline_locked'));
    ctx.now.value += 31_000;
    const s2 = await unlockOffline({ ...base, password: u.password });
    assert.ok(s2);
    s2.close();
  });

  test('E1: expired lease refused with exit 6 stating the date; a sync renews it', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.offlineDays = 2;
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    const expires = new Date(srv.now + 2 * DAY).toISOString();
    ctx.now.value = srv.now + 2 * DAY - 1;
    const ok = await openOfflineSource(ctx);
    assert.ok(ok);
    ok.close();
    ctx.now.value = srv.now + 2 * DAY;
    await assert.rejects(openOfflineSource(ctx), (e: unknown) => isCode('offline_expired')(e) && (e as SafeholdError).exitCode === 6 && (e as Error).message.includes(expires));
    srv.now = ctx.now.value;
    await syncOffline(ctx, { create: false });
    const renewed = await openOfflineSource(ctx);
    assert.ok(renewed);
    renewed.close();
  });

  test('E1: a clock moved back before the last recorded use is refused, and the refusal records nothing', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    const t0 = ctx.now.value;
    ctx.now.value = t0 + DAY; // a successful offline unlock a day later records that time
    (await openOfflineSource(ctx))?.close();
    ctx.now.value = t0 + DAY / 2; // clock moved back
    await assert.rejects(openOfflineSource(ctx), (e: unknown) => isCode('offline_expired')(e) && /earlier than the last recorded use/.test((e as Error).message));
    // The refused attempt recorded nothing: a valid later time still works, and an expired lease
    // attempt does not push the recorded time forward either.
    ctx.now.value = t0 + 30 * DAY;
    await assert.rejects(openOfflineSource(ctx), isCode('offline_expired'));
    ctx.now.value = t0 + DAY + 1;
    const s = await openOfflineSource(ctx);
    assert.ok(s, 'the expired attempt at +30 days did not record its time');
    s.close();
  });
});

describe('wipe (E2)', () => {
  for (const reason of ['offline_disabled', 'right_withdrawn', 'user_removed'] as const) {
    test(`a signed wipe order in the sync answer (${reason}) shreds the file; status says why`, async (t) => {
      const { u, srv, ctx } = await setupOffline(t);
      srv.put(makeWire(u, 'main', { name: 'A' }));
      await syncOffline(ctx, { create: true });
      const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
      srv.wipe = { reason };
      await assert.rejects(syncOffline(ctx, { create: false }), isCode('offline_wiped'));
      for (const f of [target.paths.file, target.paths.sidecar, `${target.paths.file}-wal`]) assert.equal(existsSync(f), false, f);
      const st = offlineStatus({ home: ctx.home, server: srv.url, user: 'alice', db: 'main', device: ctx.device.id }, null);
      assert.equal(st.exists, false);
      assert.equal(st.wiped?.reason, reason);
      await assert.rejects(openOfflineSource(ctx), isCode('offline_wiped'));
      // A trigger afterwards does nothing (no database): never recreates.
      const before = srv.syncRequests;
      assert.equal(await syncOffline(ctx, { create: false }), null);
      assert.equal(srv.syncRequests, before);
    });
  }

  test('device revoked: the sync is refused (401), the signed order from /devices/:id/orders shreds the file', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    srv.refuse = { status: 401, code: 'device_revoked' };
    srv.orders = [srv.wipeOrder('device_revoked', null)];
    await assert.rejects(syncOffline(ctx, { create: false }), isCode('offline_wiped'));
    const st = offlineStatus({ home: ctx.home, server: srv.url, user: 'alice', db: 'main', device: ctx.device.id }, null);
    assert.equal(st.wiped?.reason, 'device_revoked');
    assert.match(st.wiped?.why ?? '', /revoked/);
  });

  test('an unsigned or wrongly signed wipe order is ignored: the file stays', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
    srv.wipe = { reason: 'device_revoked', badSignature: true };
    await assert.rejects(syncOffline(ctx, { create: false }), isCode('server_error'));
    assert.ok(existsSync(target.paths.file));
    srv.wipe = null;
    srv.refuse = { status: 401, code: 'device_revoked' };
    srv.orders = [{ ...srv.wipeOrder('device_revoked'), signature: 'AAAA' }, srv.wipeOrder('device_revoked', 'main', 'BBBBBBBBBBBBBBBBBBBBBB')];
    await assert.rejects(syncOffline(ctx, { create: false }), isCode('device_revoked'));
    assert.ok(existsSync(target.paths.file));
    const s = await openOfflineSource(ctx);
    assert.ok(s);
    s.close();
  });
});

describe('settings, list, remove, agent', () => {
  test('R8 custom path moves the database; R7 two databases and two users coexist and are listed', async (t) => {
    const one = await setupOffline(t);
    one.srv.put(makeWire(one.u, 'main', { name: 'A' }));
    await syncOffline(one.ctx, { create: true });
    // A second user on the same device (same home), on another server.
    const two = await setupOffline(t, { homeDir: one.ctx.home.dir, user: 'bob' });
    two.srv.put(makeWire(two.u, 'main', { name: 'B' }));
    await syncOffline(two.ctx, { create: true });
    let list = listOfflineDatabases(one.ctx.home);
    assert.deepEqual(list.map((d) => `${d.user}@${d.db}:${d.records}`).sort(), ['alice@main:1', 'bob@main:1']);
    const custom = `${one.ctx.home.dir}/elsewhere`;
    changeSettings(one.ctx.home, one.srv.url, 'alice', one.ctx.device.id, { path: custom });
    list = listOfflineDatabases(one.ctx.home);
    const alice = list.find((d) => d.user === 'alice');
    assert.ok(alice?.path.startsWith(custom));
    assert.ok(readdirSync(custom).some((f) => f.endsWith('.sqlite')));
    const s = await openOfflineSource(one.ctx);
    assert.ok(s, 'still opens at the new place');
    s.close();
    one.srv.put(makeWire(one.u, 'main', { name: 'A2' }));
    assert.equal((await syncOffline(one.ctx, { create: false }))?.total, 2);
    assert.equal(removeOfflineDatabase({ home: one.ctx.home, server: one.srv.url, user: 'alice', db: 'main', device: one.ctx.device.id }), true);
    assert.deepEqual(listOfflineDatabases(one.ctx.home).map((d) => d.user), ['bob']);
  });

  test('R9 interval: the agent syncs every interval of the settings (injected sleep), logging each run', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    const lines: string[] = [];
    const sleeps: number[] = [];
    // Before the first manual sync the agent creates nothing.
    await runAgent(ctx, { sleep: async () => {}, log: (l) => lines.push(l), maxRuns: 1 });
    assert.match(lines[0] ?? '', /no offline database/);
    assert.equal(srv.syncRequests, 0);
    await syncOffline(ctx, { create: true });
    changeSettings(ctx.home, srv.url, 'alice', ctx.device.id, { intervalMinutes: 5 });
    const r = await runAgent(ctx, {
      sleep: async (ms) => {
        sleeps.push(ms);
        ctx.now.value += ms;
        srv.put(makeWire(u, 'main', { name: `n${sleeps.length}` }));
      },
      log: (l) => lines.push(l),
      maxRuns: 3,
    });
    assert.equal(r.runs, 3);
    assert.deepEqual(sleeps, [300_000, 300_000]);
    assert.deepEqual(lines.slice(1).map((l) => l.replace(/^\S+ /, '')), [
      'offline sync completed: 0 added, 0 updated, 0 removed, 1 total',
      'offline sync completed: 1 added, 0 updated, 0 removed, 2 total',
      'offline sync completed: 1 added, 0 updated, 0 removed, 3 total',
    ]);
    assert.ok(readFileSync(locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id).paths.status, 'utf8').includes('"records": 3'));
  });
});
