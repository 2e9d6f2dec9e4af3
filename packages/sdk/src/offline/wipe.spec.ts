/**
 * Issue 12.3-12.5 on the client: a re-login refused as bad_credentials (a removed user) leads to the
 * wipe; orders are fetched and acknowledged with requests signed by the device key the server was
 * given; an order for an older offline database instance (a replay) is refused.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fromB64, randomId, verify } from '@safehold/crypto';
import { SafeholdError, deviceRequestMessage } from '@safehold/protocol';
import { setupOffline, makeWire } from '@safehold/testkit/sdk-offline';
import { syncOffline } from './sync.js';
import { locate } from './locate.js';

const isCode = (c: string) => (e: unknown) => e instanceof SafeholdError && e.code === c;

describe('wipe orders on the client (12.3-12.5)', () => {
  test('12.3: a refusal as bad_credentials (removed user, re-login fails) fetches the order and wipes', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
    srv.refuse = { status: 401, code: 'bad_credentials' };
    srv.orders = [srv.wipeOrder('user_removed', 'main', ctx.device.id, { id: randomId() })];
    await assert.rejects(syncOffline(ctx, { create: false }), isCode('offline_wiped'));
    assert.equal(existsSync(target.paths.file), false);
  });

  test('12.4: the orders request and the acknowledgement are signed by the device key the server holds', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    assert.ok(srv.deviceKey, 'an existing account registers its device key at its next sync');
    assert.equal(ctx.accountFile.deviceKey?.publicKey, srv.deviceKey);
    assert.ok(!JSON.stringify(ctx.accountFile).includes('"privateKey"'), 'the private key is stored wrapped only');
    const id = randomId();
    srv.refuse = { status: 401, code: 'device_revoked' };
    srv.orders = [srv.wipeOrder('device_revoked', 'main', ctx.device.id, { id })];
    await assert.rejects(syncOffline(ctx, { create: false }), isCode('offline_wiped'));
    const fetch = srv.log.find((l) => l.method === 'POST' && l.path === `/v1/devices/${ctx.device.id}/orders`);
    assert.ok(fetch, 'orders are fetched with a POST');
    const body = fetch.body as { user: string; at: string; signature: string };
    const key = fromB64(srv.deviceKey);
    assert.ok(verify(key, deviceRequestMessage({ device: ctx.device.id, user: 'alice', at: body.at, orderId: null }), fromB64(body.signature)));
    assert.deepEqual(srv.acks, [id], 'the wipe is acknowledged');
    const ack = srv.log.find((l) => l.path.endsWith('/ack'))?.body as { at: string; signature: string };
    assert.ok(verify(key, deviceRequestMessage({ device: ctx.device.id, user: 'alice', at: ack.at, orderId: id }), fromB64(ack.signature)));
  });

  test('12.5: an order for an older instance (replayed) is refused; one for the current instance wipes', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    const oldInstance = { id: 'instance-one', createdAt: srv.now - 86_400_000 };
    const current = { id: 'instance-two', createdAt: srv.now - 1000 };
    srv.instance = current;
    await syncOffline(ctx, { create: true });
    const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
    srv.wipe = null;
    srv.refuse = { status: 401, code: 'device_revoked' };
    srv.orders = [
      srv.wipeOrder('right_withdrawn', 'main', ctx.device.id, { id: randomId(), instance: oldInstance }),
      srv.wipeOrder('right_withdrawn', 'main', ctx.device.id, { id: randomId() }),
      srv.wipeOrder('right_withdrawn', 'main', ctx.device.id, { id: randomId(), instance: { id: 'other', createdAt: current.createdAt } }),
    ];
    await assert.rejects(syncOffline(ctx, { create: false }), isCode('device_revoked'));
    assert.ok(existsSync(target.paths.file), 'older, unbound and foreign-instance orders wipe nothing');
    assert.deepEqual(srv.acks, []);
    srv.orders = [srv.wipeOrder('device_revoked', 'main', ctx.device.id, { id: randomId(), instance: current })];
    await assert.rejects(syncOffline(ctx, { create: false }), isCode('offline_wiped'));
    assert.equal(existsSync(target.paths.file), false);
  });
});
