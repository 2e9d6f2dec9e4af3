/**
 * Offline sync with an injected clock and a storage spy, on SQLite and PostgreSQL: the signed lease,
 * the E6 audit rows, the no-change sync (one lookup, only a coalesced last-seen write), and pruning.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeasePayload, type ServerKey, type Signed } from '@safehold/protocol/api';
import { fromB64, verify } from '@safehold/crypto';
import { DAY_MS } from '@safehold/domain';
import { api, forEachBackend, manualClock, registerTestUser, type TestUser } from '@safehold/testkit';
import { pruneChanges, prunedThrough } from '../../services/retention.js';
import { DB, OfflineClient, createRecord, grant, startSpyServer, updateRecord } from '@safehold/testkit/offline-server';

const enc = new TextEncoder();

forEachBackend('offline sync: lease, audit, no-change, pruning', (backend) => {
  const clock = manualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  let server: Awaited<ReturnType<typeof startSpyServer>>;
  let alice: TestUser;
  let gus: TestUser;
  let client: OfflineClient;
  let serverKey: Uint8Array;
  const shared: Array<{ id: string; revision: string }> = [];

  before(async () => {
    server = await startSpyServer(backend, clock);
    await server.admin.createDb(DB, { offline: true });
    alice = await registerTestUser(server, 'alice', DB);
    gus = await registerTestUser(server, 'gus', DB);
    await server.admin.setUserRights('gus', DB, { offline: true, offlineDays: 5 });
    for (let i = 0; i < 3; i++) {
      const r = await createRecord(server.url, alice);
      await grant(server.url, alice, r.id, { user: 'gus' }, ['read', 'export']);
      shared.push(r);
    }
    const k = await api<ServerKey>(server.url, 'GET', '/v1/server-key');
    serverKey = fromB64(k.body.signingPublicKey);
    client = new OfflineClient(server.url, gus);
  });
  after(() => server.close());

  const audit = async (action: string) => (await server.admin.audit({ db: DB })).filter((e) => e.action === action && e.actor === 'gus');

  function checkLease(lease: Signed): LeasePayload {
    assert.ok(verify(serverKey, enc.encode(lease.payload), fromB64(lease.signature)), 'lease verifies with the server key');
    const p = LeasePayload.parse(JSON.parse(lease.payload));
    assert.deepEqual(
      { user: p.user, device: p.device, db: p.db, offlineDays: p.offlineDays, server: p.server },
      { user: 'gus', device: gus.deviceId, db: DB, offlineDays: 5, server: server.serverId },
    );
    assert.equal(p.issuedAt, new Date(clock.now()).toISOString());
    assert.equal(Date.parse(p.expiresAt) - Date.parse(p.issuedAt), 5 * DAY_MS);
    return p;
  }

  test('the first sync creates the offline database once, audits its counts, and carries a signed lease', async () => {
    const pages = await client.syncAll();
    assert.equal(client.records.size, 3);
    checkLease(pages[0]!.lease);

    const created = await audit('offline_created');
    assert.equal(created.length, 1);
    assert.equal(created[0]!.target, gus.deviceId);
    const syncs = await audit('offline_sync');
    assert.equal(syncs.length, 1);
    assert.deepEqual(syncs[0]!.detail, { device: gus.deviceId, added: 3, updated: 0, removed: 0, reset: true });
    // Counts only: no record id, name or ciphertext in the audit row.
    assert.doesNotMatch(JSON.stringify(syncs[0]), new RegExp(shared.map((r) => r.id).join('|')));

    // An edited lease no longer verifies; neither does one signed by another key.
    const lease = pages[0]!.lease;
    const edited = lease.payload.replace('"offlineDays":5', '"offlineDays":500');
    assert.notEqual(edited, lease.payload);
    assert.equal(verify(serverKey, enc.encode(edited), fromB64(lease.signature)), false);

    // A delta that transfers records is audited with its counts; one that transfers nothing is not.
    await updateRecord(server.url, alice, shared[0]!);
    clock.advance(1000);
    await client.syncAll();
    const after2 = await audit('offline_sync');
    assert.equal(after2.length, 2);
    assert.deepEqual(after2[0]!.detail, { device: gus.deviceId, added: 0, updated: 1, removed: 0, reset: false });
    await client.syncAll();
    assert.equal((await audit('offline_sync')).length, 2);
    assert.equal((await audit('offline_created')).length, 1);
  });

  async function snapshot() {
    const db = server.storage.db;
    const count = async (t: 'changes' | 'audit' | 'offline_held') =>
      Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const row = await db
      .selectFrom('offline_devices')
      .selectAll()
      .where('device_id', '=', gus.deviceId)
      .executeTakeFirstOrThrow();
    const seq = (await db.selectFrom('databases').select('seq').where('name', '=', DB).executeTakeFirstOrThrow()).seq;
    return { changes: await count('changes'), audit: await count('audit'), held: await count('offline_held'), seq: Number(seq), row };
  }

  const FORBIDDEN_TABLES = ['records', 'grants', 'role_members', 'record_keys', 'changes', 'offline_held', 'audit', 'revisions'];

  test('a no-change sync is one indexed lookup and writes nothing but a coalesced last-seen time', async () => {
    await client.syncAll();
    const before = await snapshot();
    assert.equal(client.cursor, `d.${before.seq}`);

    clock.advance(10_000);
    server.spy.seen = [];
    const p = await client.page();
    assert.deepEqual([p.reset, p.records, p.removed, p.hasMore, p.total, p.cursor], [false, [], [], false, null, `d.${before.seq}`]);
    checkLease(p.lease); // renewed: issued now
    const seen10 = server.spy.seen;
    for (const q of seen10) {
      for (const t of q.tables) assert.ok(!FORBIDDEN_TABLES.includes(t), `a no-change sync touched ${t}`);
    }
    const lookups = seen10.filter((q) => q.tables.includes('databases'));
    assert.equal(lookups.length, 1, 'one lookup');
    assert.deepEqual(lookups[0]!.tables, ['databases', 'memberships', 'offline_devices']);
    assert.deepEqual(
      seen10.filter((q) => q.kind !== 'SelectQueryNode'),
      [],
      'nothing written within a minute of the last write',
    );
    assert.deepEqual(await snapshot(), before);

    clock.advance(61_000);
    server.spy.seen = [];
    const p2 = await client.page();
    assert.deepEqual([p2.records, p2.removed, p2.cursor], [[], [], `d.${before.seq}`]);
    const writes = server.spy.seen.filter((q) => q.kind !== 'SelectQueryNode');
    const offlineWrites = writes.filter((q) => q.tables.includes('offline_devices'));
    assert.deepEqual(offlineWrites, [{ kind: 'UpdateQueryNode', tables: ['offline_devices'] }]);
    // The only other writes are the session's own coalesced last-seen (authentication).
    for (const w of writes) assert.ok(['offline_devices', 'sessions', 'devices'].includes(w.tables[0]!), JSON.stringify(w));
    for (const q of server.spy.seen) for (const t of q.tables) assert.ok(!FORBIDDEN_TABLES.includes(t), `touched ${t}`);
    const after = await snapshot();
    assert.deepEqual({ ...after, row: { ...after.row, last_seen_at: 0 } }, { ...before, row: { ...before.row, last_seen_at: 0 } });
    assert.equal(Number(after.row.last_seen_at), clock.now());
  });

  test('a cursor older than the kept change log (pruned after 90 days) gets a reset; a current one does not', async () => {
    const stale = client.cursor;
    await updateRecord(server.url, alice, (client.records.get(shared[1]!.id) as { id: string; revision: string }));
    await client.syncAll();
    const current = client.cursor;
    assert.notEqual(current, stale);

    clock.advance(91 * DAY_MS);
    const pruned = await pruneChanges(server.storage.db, clock);
    assert.ok(pruned > 0);
    const dbRow = await server.storage.db.selectFrom('databases').select(['id', 'seq']).where('name', '=', DB).executeTakeFirstOrThrow();
    assert.equal(await prunedThrough(server.storage.db, dbRow.id), Number(dbRow.seq));
    assert.equal(await pruneChanges(server.storage.db, clock), 0, 'nothing left to prune');

    // Sessions are short-lived: log in again after three months.
    const login = await api<{ token: string }>(server.url, 'POST', '/v1/login', {
      body: { user: 'gus', authKey: gus.authKey, device: { id: gus.deviceId, name: 'test device' } },
    });
    assert.equal(login.status, 200);
    const fresh = { ...gus, token: login.body.token };
    const now = new OfflineClient(server.url, fresh);
    now.cursor = current;
    const p = await now.page();
    assert.deepEqual([p.reset, p.records.length, p.cursor], [false, 0, current]);

    const old = new OfflineClient(server.url, fresh);
    old.cursor = stale;
    const pages = await old.syncAll();
    assert.equal(pages[0]!.reset, true);
    assert.equal(old.records.size, 3);
    assert.equal(old.cursor, current);
    // The device already held all three: the reset's audit counts them as updated, none as added.
    assert.deepEqual((await audit('offline_sync'))[0]!.detail, { device: gus.deviceId, added: 0, updated: 3, removed: 0, reset: true });
  });
});
