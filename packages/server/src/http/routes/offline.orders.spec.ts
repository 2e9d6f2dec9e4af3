/**
 * Issue 12.4 and 12.5 over real HTTP on SQLite and PostgreSQL: wipe orders are fetched only by the
 * device itself (a request signed by its device key), stay available until the device acknowledges
 * the wipe, are audited as delivered and as acknowledged separately, and are bound to the offline
 * database instance (id + creation time) that the lease names.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeasePayload, Orders, WipePayload, type Signed } from '@safehold/protocol/api';
import { generateSigningKeyPair } from '@safehold/crypto';
import { api, forEachBackend, manualClock, registerTestUser, startTestServer, type TestServer, type TestUser } from '@safehold/testkit';
import {
  DB,
  OfflineClient,
  ackOrder,
  changesOf,
  createRecord,
  deviceSigned,
  errorCode,
  fetchOrders,
  registerDeviceKey,
  syncOnce,
  wipeOf,
  type DeviceKey,
} from '@safehold/testkit/offline-server';

const MINUTE = 60_000;

forEachBackend('wipe orders: only for the device, until acknowledged, bound to the instance (12.4, 12.5)', (backend) => {
  let server: TestServer;
  const clock = manualClock(Date.UTC(2026, 8, 1, 8));

  before(async () => {
    server = await startTestServer({ backend, clock });
    await server.admin.createDb(DB, { offline: true });
  });
  after(() => server.close());

  async function syncedUser(name: string): Promise<{ u: TestUser; key: DeviceKey; client: OfflineClient }> {
    const u = await registerTestUser(server, name, DB);
    const key = await registerDeviceKey(server.url, u);
    await server.admin.setUserRights(name, DB, { offline: true, offlineDays: 2 });
    await createRecord(server.url, u, DB);
    const client = new OfflineClient(server.url, u, DB);
    await client.syncAll();
    return { u, key, client };
  }

  const audits = async (u: TestUser, action: string) => (await server.admin.audit()).filter((e) => e.action === action && e.actor === u.name);
  const ordersOf = (r: { status: number; body: unknown }): Signed[] => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return Orders.parse(r.body).orders;
  };
  const payloadOf = (s: Signed) => WipePayload.parse(JSON.parse(s.payload));

  test('the old anonymous GET is gone; unsigned, wrongly signed, stale or foreign requests get nothing and take nothing', async () => {
    const { u, key } = await syncedUser('anon');
    await server.admin.revokeDevice(u.deviceId);
    assert.equal((await api(server.url, 'GET', `/v1/devices/${u.deviceId}/orders`)).status, 404);
    const unsigned = await api(server.url, 'POST', `/v1/devices/${u.deviceId}/orders`, { body: { user: u.name, at: new Date(clock.now()).toISOString(), signature: 'AAAA' } });
    assert.equal(unsigned.status, 401);
    const other = generateSigningKeyPair();
    assert.equal(errorCode(await fetchOrders(server.url, u, other, clock.now())), 'unauthorized');
    assert.equal((await fetchOrders(server.url, u, key, clock.now() - 6 * MINUTE)).status, 401, 'a replayed old request');
    assert.equal((await fetchOrders(server.url, u, key, clock.now() + 6 * MINUTE)).status, 401);
    // Someone else's device key signs for someone else's device only.
    const { u: mallory, key: malloryKey } = await syncedUser('mallory');
    const foreign = await api(server.url, 'POST', `/v1/devices/${u.deviceId}/orders`, {
      body: deviceSigned(malloryKey, u.deviceId, mallory.name, null, clock.now()),
    });
    assert.equal(foreign.status, 401);
    assert.equal((await audits(u, 'offline_wipe_delivered')).length, 0, 'nothing was delivered to anyone else');
    // The device itself gets its order.
    const orders = ordersOf(await fetchOrders(server.url, u, key, clock.now()));
    assert.equal(orders.length, 1);
    assert.equal(payloadOf(orders[0]!).reason, 'device_revoked');
  });

  test('an order stays until the device acknowledges it; delivered and acknowledged are audited separately', async () => {
    const { u, key } = await syncedUser('acker');
    await server.admin.setUserRights('acker', DB, { offline: false });
    const first = wipeOf(await syncOnce(server.url, u, '0'));
    // The answer was lost: the next sync, and the signed fetch, deliver the same order again.
    assert.deepEqual(wipeOf(await syncOnce(server.url, u, '0')), first);
    const fetched = ordersOf(await fetchOrders(server.url, u, key, clock.now()));
    assert.deepEqual(fetched, [first]);
    const delivered = await audits(u, 'offline_wipe_delivered');
    assert.equal(delivered.length, 1, 'the first delivery is audited once');
    assert.deepEqual(delivered[0]?.detail, { reason: 'right_withdrawn', device: u.deviceId, records: 1, order: payloadOf(first).id });
    assert.equal((await audits(u, 'offline_wipe_acknowledged')).length, 0, 'delivered is not acknowledged');

    const id = payloadOf(first).id as string;
    assert.equal((await ackOrder(server.url, u, generateSigningKeyPair(), id, clock.now())).status, 401, 'only the device acknowledges');
    assert.equal((await ackOrder(server.url, u, key, id, clock.now())).status, 200);
    assert.equal((await ackOrder(server.url, u, key, id, clock.now())).status, 200, 'idempotent');
    const acked = await audits(u, 'offline_wipe_acknowledged');
    assert.deepEqual(
      acked.map((e) => e.detail),
      [{ reason: 'right_withdrawn', device: u.deviceId, order: id }],
    );
    assert.deepEqual(ordersOf(await fetchOrders(server.url, u, key, clock.now())), []);
    assert.equal(errorCode(await syncOnce(server.url, u, '0')), 'offline_no_right', 'after the acknowledgement: the plain refusal');
  });

  test('a removed user, with no session left, still proves its device and gets the order', async () => {
    const { u, key } = await syncedUser('removed');
    await server.admin.removeUser('removed');
    assert.equal((await syncOnce(server.url, u, '0')).status, 401);
    const orders = ordersOf(await fetchOrders(server.url, u, key, clock.now()));
    assert.equal(orders.length, 1);
    assert.equal(payloadOf(orders[0]!).reason, 'user_removed');
  });

  test('orders and leases name the offline database instance; a new instance supersedes the old order', async () => {
    const { u, client } = await syncedUser('inst');
    const lease = LeasePayload.parse(JSON.parse(changesOf(await syncOnce(server.url, u, client.cursor)).lease.payload));
    assert.ok(lease.instance && lease.instanceCreatedAt, 'the lease carries the instance');
    await server.admin.setUserRights('inst', DB, { offline: false });
    const order = payloadOf(wipeOf(await syncOnce(server.url, u, client.cursor)));
    assert.equal(order.instance, lease.instance);
    assert.equal(order.instanceCreatedAt, lease.instanceCreatedAt);

    // The right comes back: a new offline database is a new instance, created later; the old order is moot.
    clock.advance(MINUTE);
    await server.admin.setUserRights('inst', DB, { offline: true });
    const fresh = new OfflineClient(server.url, u, DB);
    await fresh.syncAll();
    const lease2 = LeasePayload.parse(JSON.parse(changesOf(await syncOnce(server.url, u, fresh.cursor)).lease.payload));
    assert.notEqual(lease2.instance, lease.instance);
    assert.ok(Date.parse(lease2.instanceCreatedAt ?? '') > Date.parse(order.instanceCreatedAt ?? ''));
    const rows = await server.storage.db.selectFrom('wipe_orders').select(['id', 'superseded_at']).where('device_id', '=', u.deviceId).execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]?.superseded_at, null);
  });

  test('a device key is set once through a session; a different one is refused (409)', async () => {
    const u = await registerTestUser(server, 'keyonce', DB);
    await registerDeviceKey(server.url, u);
    const r = await api(server.url, 'PUT', '/v1/me/device-key', { token: u.token, body: { publicKey: Buffer.from(generateSigningKeyPair().publicKey).toString('base64url') } });
    assert.equal(r.status, 409);
  });
});
