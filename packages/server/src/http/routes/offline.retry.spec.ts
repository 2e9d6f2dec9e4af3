/**
 * A lost answer (docs/adr/0060-sync-core.md), over real HTTP on SQLite and PostgreSQL: the server has
 * written a page that removed records, the device never applied it and asks again with the same
 * cursor. The retried page must name them again (else the device keeps records it may no longer hold,
 * E4), and once the device's cursor is past that page they are named no more and forgotten.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend, registerTestUser, startTestServer, type TestServer, type TestUser } from '@safehold/testkit';
import { DB, OfflineClient, addMember, changesOf, createRecord, createRole, deleteRecord, grant, removeMember, syncOnce, ungrant, updateRecord } from '@safehold/testkit/offline-server';

forEachBackend('offline sync: a lost answer', (backend) => {
  let server: TestServer;
  let alice: TestUser;

  before(async () => {
    server = await startTestServer({ backend });
    await server.admin.createDb(DB, { offline: true });
    alice = await registerTestUser(server, 'alice', DB);
  });
  after(() => server.close());

  async function offlineUser(name: string): Promise<TestUser> {
    const u = await registerTestUser(server, name, DB);
    await server.admin.setUserRights(name, DB, { offline: true, offlineDays: 5 });
    return u;
  }

  const goneRows = async (u: TestUser) =>
    (await server.storage.db.selectFrom('offline_gone').select('record_id').where('device_id', '=', u.deviceId).execute()).map((r) => r.record_id).sort();

  test('a revoked grant, a deleted record and a left role are named again when their page is asked for again', async () => {
    const bea = await offlineUser('bea');
    const revoked = await createRecord(server.url, alice);
    const deleted = await createRecord(server.url, alice);
    const viaRole = await createRecord(server.url, alice);
    const kept = await createRecord(server.url, alice);
    for (const r of [revoked, deleted, kept]) await grant(server.url, alice, r.id, { user: 'bea' }, ['read', 'export']);
    await createRole(server.url, alice, 'lost');
    await grant(server.url, alice, viaRole.id, { role: 'lost' }, ['read', 'export']);
    await addMember(server.url, alice, 'lost', 'bea');
    const client = new OfflineClient(server.url, bea);
    await client.syncAll();
    assert.deepEqual(client.ids(), [revoked.id, deleted.id, viaRole.id, kept.id].sort());

    await ungrant(server.url, alice, revoked.id, 'bea');
    await deleteRecord(server.url, alice, deleted.id);
    await removeMember(server.url, alice, 'lost', 'bea');
    const expected = [revoked.id, deleted.id, viaRole.id].sort();
    const lost = changesOf(await syncOnce(server.url, bea, client.cursor));
    assert.deepEqual([...lost.removed].sort(), expected);
    assert.deepEqual(await goneRows(bea), expected, 'the removals are kept until the device is past them');

    // The answer never arrived: the same cursor again, page size 1 (the role change is then cut in partial pages).
    const retried = await client.syncAll(1);
    assert.deepEqual(retried.flatMap((p) => p.removed).sort(), expected, 'named again, each once');
    assert.deepEqual(client.ids(), [kept.id]);

    // Past them: a later delta names none of them and forgets them.
    await updateRecord(server.url, alice, kept);
    await updateRecord(server.url, alice, revoked);
    const later = await client.syncAll();
    assert.deepEqual(later.flatMap((p) => p.removed), []);
    assert.deepEqual(later.flatMap((p) => p.records.map((r) => r.id)), [kept.id]);
    assert.deepEqual(await goneRows(bea), []);
  });

  test('a lost answer that sent records: the retried page sends them again, and a later revocation names them', async () => {
    const cy = await offlineUser('cy');
    const client = new OfflineClient(server.url, cy);
    await client.syncAll();
    const a = await createRecord(server.url, alice);
    await grant(server.url, alice, a.id, { user: 'cy' }, ['read', 'export']);
    const lost = changesOf(await syncOnce(server.url, cy, client.cursor));
    assert.deepEqual(lost.records.map((r) => r.id), [a.id]);
    // The server gave it; the answer was lost on the way.
    client.everGiven.add(a.id);
    const retried = changesOf(await syncOnce(server.url, cy, client.cursor));
    assert.deepEqual(retried.records.map((r) => r.id), [a.id], 'sent again');
    await ungrant(server.url, alice, a.id, 'cy');
    // That answer was lost too; then the grant was revoked: nothing to send, the id (held) is named removed.
    const after = await client.syncAll();
    assert.deepEqual(after.flatMap((p) => p.records), []);
    assert.deepEqual(after.flatMap((p) => p.removed), [a.id]);
    assert.deepEqual(client.ids(), []);
  });
});
