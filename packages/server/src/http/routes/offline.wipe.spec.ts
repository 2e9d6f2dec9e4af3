/**
 * E2 wipe orders over real HTTP on SQLite and PostgreSQL: each of the four causes delivered, signed,
 * audited, and the server's record of that offline database gone; the orders endpoint (signed by the
 * device key, 12.4) for revoked devices and removed users. Then two app instances on one PostgreSQL
 * database. Changed by issue 12.4: an order is no longer "delivered once" (that let anyone who knew a
 * device id take it, and a lost answer left the device unwiped); it is delivered again until the device
 * acknowledges it (offline.orders.spec.ts), and the audit says 'offline_wipe_delivered'.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Orders, WipePayload, type ServerKey, type Signed } from '@safehold/protocol/api';
import { fromB64, verify } from '@safehold/crypto';
import {
  api,
  forEachBackend,
  registerTestUser,
  startTestServer,
  type TestServer,
  type TestUser,
} from '@safehold/testkit';
import { startServer, type RunningServer } from '../../server.js';
import { openStorage, type Storage } from '../../storage/open.js';
import { DB, OfflineClient, ackOrder, createRecord, errorCode, fetchOrders, grant, registerDeviceKey, sorted, syncOnce, updateRecord, wipeOf, type DeviceKey } from '@safehold/testkit/offline-server';

const enc = new TextEncoder();

forEachBackend('offline wipe orders', (backend) => {
  let server: TestServer;
  let serverKey: Uint8Array;

  before(async () => {
    server = await startTestServer({ backend });
    await server.admin.createDb(DB, { offline: true });
    serverKey = fromB64((await api<ServerKey>(server.url, 'GET', '/v1/server-key')).body.signingPublicKey);
  });
  after(() => server.close());

  /** A user with the offline right in `db`, one record shared with export, and a synced offline database. */
  async function syncedUser(name: string, db = DB): Promise<{ u: TestUser; client: OfflineClient; key: DeviceKey }> {
    const u = await registerTestUser(server, name, db);
    const key = await registerDeviceKey(server.url, u);
    await server.admin.setUserRights(name, db, { offline: true, offlineDays: 2 });
    await createRecord(server.url, u, db);
    const client = new OfflineClient(server.url, u, db);
    await client.syncAll();
    assert.equal(client.records.size, 1);
    assert.equal(await heldRows(u), 1);
    return { u, client, key };
  }

  const offlineRows = async (u: TestUser) =>
    (await server.storage.db.selectFrom('offline_devices').select('db_id').where('device_id', '=', u.deviceId).execute()).length;
  const heldRows = async (u: TestUser) =>
    (await server.storage.db.selectFrom('offline_held').select('record_id').where('device_id', '=', u.deviceId).execute()).length;

  function checkOrder(order: Signed, u: TestUser, db: string, reason: string): void {
    assert.ok(verify(serverKey, enc.encode(order.payload), fromB64(order.signature)), 'the wipe order verifies with the server key');
    const p = WipePayload.parse(JSON.parse(order.payload));
    assert.deepEqual({ user: p.user, device: p.device, db: p.db, reason: p.reason }, { user: u.name, device: u.deviceId, db, reason });
    const forged = order.payload.replace(u.deviceId, 'A'.repeat(22));
    assert.equal(verify(serverKey, enc.encode(forged), fromB64(order.signature)), false);
  }

  async function wipeAudits(u: TestUser): Promise<Array<Record<string, unknown>>> {
    return (await server.admin.audit())
      .filter((e) => e.action === 'offline_wipe_delivered' && e.actor === u.name)
      .map(({ detail: { order: _order, ...rest } }) => rest);
  }

  test('right withdrawn: the next sync answers a signed wipe order, again until acknowledged; then the plain refusal', async () => {
    const { u, key } = await syncedUser('rw');
    await server.admin.setUserRights('rw', DB, { offline: false });
    const order = wipeOf(await syncOnce(server.url, u, 'd.1'));
    checkOrder(order, u, DB, 'right_withdrawn');
    assert.equal(await offlineRows(u), 0);
    assert.equal(await heldRows(u), 0);
    assert.deepEqual(await wipeAudits(u), [{ reason: 'right_withdrawn', device: u.deviceId, records: 1 }]);
    assert.deepEqual(wipeOf(await syncOnce(server.url, u, 'd.1')), order);
    assert.equal((await wipeAudits(u)).length, 1);
    const id = WipePayload.parse(JSON.parse(order.payload)).id as string;
    assert.equal((await ackOrder(server.url, u, key, id, Date.now())).status, 200);
    const again = await syncOnce(server.url, u, 'd.1');
    assert.equal(errorCode(again), 'offline_no_right');
  });

  test('offline disabled for the database: a signed wipe order, once', async () => {
    await server.admin.createDb('second', { offline: true });
    const { u } = await syncedUser('od', 'second');
    await server.admin.setDbOffline('second', false);
    checkOrder(wipeOf(await syncOnce(server.url, u, '0', undefined, 'second')), u, 'second', 'offline_disabled');
    assert.equal(await offlineRows(u), 0);
    assert.deepEqual(await wipeAudits(u), [{ reason: 'offline_disabled', device: u.deviceId, records: 1 }]);
    assert.equal(wipeOf(await syncOnce(server.url, u, '0', undefined, 'second')).payload.includes('offline_disabled'), true, 'delivered again until acknowledged');
  });

  test('user removed from the database: a signed wipe order (again until acknowledged)', async () => {
    const { u } = await syncedUser('ur');
    await server.admin.removeUser('ur', DB);
    checkOrder(wipeOf(await syncOnce(server.url, u, '0')), u, DB, 'user_removed');
    assert.equal(await offlineRows(u), 0);
    assert.deepEqual(await wipeAudits(u), [{ reason: 'user_removed', device: u.deviceId, records: 1 }]);
    checkOrder(wipeOf(await syncOnce(server.url, u, '0')), u, DB, 'user_removed');
    assert.equal((await wipeAudits(u)).length, 1);
  });

  test('user removed from the server: no session left, the signed orders request delivers the wipe', async () => {
    const { u, key } = await syncedUser('gone');
    await server.admin.removeUser('gone');
    assert.equal((await syncOnce(server.url, u, '0')).status, 401);
    const r = await fetchOrders(server.url, u, key, Date.now());
    assert.equal(r.status, 200);
    const orders = Orders.parse(r.body).orders;
    assert.equal(orders.length, 1);
    checkOrder(orders[0]!, u, DB, 'user_removed');
    assert.equal(await offlineRows(u), 0);
    assert.deepEqual(Orders.parse((await fetchOrders(server.url, u, key, Date.now())).body).orders, orders, 'until acknowledged');
    assert.equal((await wipeAudits(u)).length, 1);
  });

  test('device revoked: its sessions fail with device_revoked, the orders endpoint delivers the wipe for every db, once', async () => {
    const { u, key } = await syncedUser('rev');
    // The same device also holds an offline database of a second database.
    await server.admin.createDb('third', { offline: true });
    await server.admin.addUser('rev', 'third');
    await server.admin.setUserRights('rev', 'third', { offline: true });
    const third = new OfflineClient(server.url, u, 'third');
    await third.syncAll();
    assert.equal(await offlineRows(u), 2);

    // Before the revocation: nothing to deliver, and nothing deleted.
    assert.deepEqual((await fetchOrders(server.url, u, key, Date.now())).body, { orders: [] });
    assert.equal(await offlineRows(u), 2);

    await server.admin.revokeDevice(u.deviceId);
    const refused = await syncOnce(server.url, u, '0');
    assert.equal(refused.status, 401);
    assert.equal(errorCode(refused), 'device_revoked');
    const r = await fetchOrders(server.url, u, key, Date.now());
    const orders = Orders.parse(r.body).orders;
    assert.equal(orders.length, 2);
    const dbs = orders.map((o) => WipePayload.parse(JSON.parse(o.payload)).db);
    assert.deepEqual(sorted(dbs as string[]), [DB, 'third']);
    for (const o of orders) checkOrder(o, u, WipePayload.parse(JSON.parse(o.payload)).db as string, 'device_revoked');
    assert.equal(await offlineRows(u), 0);
    assert.equal(await heldRows(u), 0);
    assert.deepEqual(
      (await wipeAudits(u)).map((d) => d['reason']),
      ['device_revoked', 'device_revoked'],
    );
    for (const o of orders) {
      assert.equal((await ackOrder(server.url, u, key, WipePayload.parse(JSON.parse(o.payload)).id as string, Date.now())).status, 200);
    }
    assert.deepEqual((await fetchOrders(server.url, u, key, Date.now())).body, { orders: [] });
  });

  test('the orders endpoint: 401 for unknown devices, 400 for malformed ids; a refused user who never synced gets no wipe', async () => {
    const never = await registerTestUser(server, 'never', DB);
    const key = await registerDeviceKey(server.url, never);
    assert.equal((await fetchOrders(server.url, { ...never, deviceId: 'Z'.repeat(22) }, key, Date.now())).status, 401);
    assert.equal((await api(server.url, 'POST', '/v1/devices/not-an-id/orders', { body: {} })).status, 400);
    const r = await syncOnce(server.url, never, '0');
    assert.equal(errorCode(r), 'offline_no_right');
    assert.deepEqual((await fetchOrders(server.url, never, key, Date.now())).body, { orders: [] });
  });
});

describe('offline sync through two app instances on one PostgreSQL database', () => {
  let a: TestServer;
  let bStorage: Storage | null = null;
  let b: RunningServer;

  before(async () => {
    a = await startTestServer({ backend: 'postgres' });
    bStorage = await openStorage({ databaseUrl: a.databaseUrl as string });
    b = await startServer({ storage: bStorage, host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await b?.close();
    await bStorage?.close();
    await a?.close();
  });

  test('both sign with one key and identity, and answer one consistent sync', async () => {
    const keyA = (await api<ServerKey>(a.url, 'GET', '/v1/server-key')).body;
    const keyB = (await api<ServerKey>(b.url, 'GET', '/v1/server-key')).body;
    assert.deepEqual(keyA, keyB);
    await a.admin.createDb(DB, { offline: true });
    const alice = await registerTestUser(a, 'alice', DB);
    const hal = await registerTestUser(a, 'hal', DB);
    await a.admin.setUserRights('hal', DB, { offline: true, offlineDays: 3 });

    const expected = new Map<string, string>();
    const shareVia = async (url: string) => {
      const r = await createRecord(url, alice);
      await grant(url, alice, r.id, { user: 'hal' }, ['read', 'export']);
      expected.set(r.id, r.revision);
      return r;
    };
    for (let i = 0; i < 6; i++) await shareVia(i % 2 ? a.url : b.url);

    // Pages alternate between the two instances; writers write through both at the same time.
    const client = new OfflineClient(a.url, hal);
    let p = await client.page(2);
    let turn = 0;
    while (p.hasMore) {
      await Promise.all([shareVia(a.url), shareVia(b.url)]);
      client.url = turn++ % 2 ? a.url : b.url;
      p = await client.page(2);
    }
    const recs = [...expected.keys()];
    const upd = await updateRecord(b.url, alice, { id: recs[0]!, revision: expected.get(recs[0]!)! });
    expected.set(upd.id, upd.revision);
    client.url = b.url;
    await client.syncAll(3);
    client.url = a.url;
    await client.syncAll(3);
    assert.deepEqual(client.ids(), sorted(expected.keys()));
    for (const [id, rev] of expected) assert.equal(client.records.get(id)?.revision, rev);

    // Caught up: both instances answer the same no-change cursor, with leases from one server identity.
    const na = (await syncOnce(a.url, hal, client.cursor)).body as { cursor: string; records: unknown[]; lease: Signed };
    const nb = (await syncOnce(b.url, hal, client.cursor)).body as { cursor: string; records: unknown[]; lease: Signed };
    assert.equal(na.cursor, client.cursor);
    assert.equal(nb.cursor, client.cursor);
    assert.deepEqual([na.records.length, nb.records.length], [0, 0]);
    const key = fromB64(keyA.signingPublicKey);
    const la = JSON.parse(na.lease.payload) as { server: string };
    const lb = JSON.parse(nb.lease.payload) as { server: string };
    assert.ok(verify(key, enc.encode(na.lease.payload), fromB64(na.lease.signature)));
    assert.ok(verify(key, enc.encode(nb.lease.payload), fromB64(nb.lease.signature)));
    assert.equal(la.server, lb.server);

    // A wipe computed from state is issued once, whichever instance the device reaches; both answer that one order.
    await a.admin.setUserRights('hal', DB, { offline: false });
    const [ra, rb] = await Promise.all([syncOnce(a.url, hal, client.cursor), syncOnce(b.url, hal, client.cursor)]);
    assert.deepEqual(wipeOf(ra), wipeOf(rb));
    const wipes = (await a.admin.audit({ db: DB })).filter((e) => e.action === 'offline_wipe_delivered');
    assert.equal(wipes.length, 1);
    assert.equal((await a.storage.db.selectFrom('wipe_orders').select('id').execute()).length, 1);
  });
});
