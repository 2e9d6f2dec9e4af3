/**
 * Offline sync over real HTTP on SQLite and PostgreSQL: R1/R2 refusals, R4/R5/E4 eligibility through a
 * first sync and deltas, paging, and a reset that runs while another writer writes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordWire } from '@safehold/protocol/api';
import { api, forEachBackend, registerTestUser, startTestServer, type TestServer, type TestUser } from '@safehold/testkit';
import {
  DB,
  OfflineClient,
  addMember,
  createRecord,
  createRole,
  deleteRecord,
  errorCode,
  fakeKeys,
  grant,
  removeMember,
  seal,
  sorted,
  syncOnce,
  ungrant,
  updateRecord,
} from '@safehold/testkit/offline-server';

forEachBackend('offline sync', (backend) => {
  let server: TestServer;
  let alice: TestUser;

  before(async () => {
    server = await startTestServer({ backend });
    await server.admin.createDb(DB, { offline: true });
    alice = await registerTestUser(server, 'alice', DB);
  });
  after(() => server.close());

  /** A user of `main` holding the offline right for `days` days. */
  async function offlineUser(name: string, days = 5): Promise<TestUser> {
    const u = await registerTestUser(server, name, DB);
    await server.admin.setUserRights(name, DB, { offline: true, offlineDays: days });
    return u;
  }

  test('offline info and R1/R2 refusals say which of the two is missing', async () => {
    const carol = await registerTestUser(server, 'carol', DB);
    const info = await api(server.url, 'GET', `/v1/db/${DB}/offline`, { token: carol.token });
    assert.equal(info.status, 200);
    assert.deepEqual(info.body, { db: DB, enabled: true, right: false, offlineDays: 0 });

    const noRight = await syncOnce(server.url, carol, '0');
    assert.equal(noRight.status, 403);
    assert.equal(errorCode(noRight), 'offline_no_right');
    assert.match(JSON.stringify(noRight.body), /offline right/);

    await server.admin.createDb('closed', { offline: false });
    assert.equal(await server.admin.addUser('carol', 'closed'), null);
    await server.admin.setUserRights('carol', 'closed', { offline: true, offlineDays: 3 });
    const closedInfo = await api(server.url, 'GET', '/v1/db/closed/offline', { token: carol.token });
    assert.deepEqual(closedInfo.body, { db: 'closed', enabled: false, right: true, offlineDays: 3 });
    const notEnabled = await syncOnce(server.url, carol, null, undefined, 'closed');
    assert.equal(notEnabled.status, 403);
    assert.equal(errorCode(notEnabled), 'offline_not_enabled');
    assert.match(JSON.stringify(notEnabled.body), /not enabled/);
    // Neither: the database switch is named first.
    await server.admin.setUserRights('carol', 'closed', { offline: false });
    assert.equal(errorCode(await syncOnce(server.url, carol, null, undefined, 'closed')), 'offline_not_enabled');

    // Not a member, no such database, malformed name: 404 alike.
    const other = await registerTestUser(server, 'outsider', 'closed');
    for (const db of [DB, 'nosuchdb', '..bad..']) {
      const r = await syncOnce(server.url, other, '0', undefined, db);
      assert.equal(r.status, 404, db);
      assert.equal(errorCode(r), 'not_found');
    }
    const noInfo = await api(server.url, 'GET', `/v1/db/${DB}/offline`, { token: other.token });
    assert.equal(noInfo.status, 404);

    const anon = await api(server.url, 'GET', `/v1/db/${DB}/offline/changes`);
    assert.equal(anon.status, 401);
    // No offline database was created by any refused sync.
    const rows = await server.storage.db.selectFrom('offline_devices').select('user_id').execute();
    assert.equal(rows.length, 0);
  });

  test('malformed cursors and limits are bad_request', async () => {
    const u = await offlineUser('badreq');
    for (const c of ['x', 'd.', 'd.01', 'r.1', 'r.1.short', 'p.1.', 'd.1.2']) {
      const r = await syncOnce(server.url, u, c);
      assert.equal(r.status, 400, c);
      assert.equal(errorCode(r), 'bad_request');
    }
    for (const l of ['0', '2001', 'abc', '-5', '1.5']) {
      const r = await api(server.url, 'GET', `/v1/db/${DB}/offline/changes?cursor=0&limit=${l}`, { token: u.token });
      assert.equal(r.status, 400, l);
    }
    const unknownParam = await api(server.url, 'GET', `/v1/db/${DB}/offline/changes?cursor=0&foo=1`, { token: u.token });
    assert.equal(unknownParam.status, 400);
    const max = await syncOnce(server.url, u, '0', 2000);
    assert.equal(max.status, 200);
  });

  test('R4/R5/E4: export in (direct, role, creator), read-only and sealed out; leaving the set removes; removed names only given ids', async () => {
    const dan = await offlineUser('dan');
    const mk = () => createRecord(server.url, alice);
    const ex = ['read', 'export'];

    const rExport = await mk();
    const exportKeys = fakeKeys();
    await grant(server.url, alice, rExport.id, { user: 'dan' }, ex, exportKeys);
    const rMasked = await createRecord(server.url, alice, DB, { masked: true });
    await grant(server.url, alice, rMasked.id, { user: 'dan' }, ex);
    const rRead = await mk();
    await grant(server.url, alice, rRead.id, { user: 'dan' }, ['read']);
    const rAllButExport = await mk();
    await grant(server.url, alice, rAllButExport.id, { user: 'dan' }, ['read', 'write', 'delete', 'authorize']);
    await createRole(server.url, alice, 'ops');
    await addMember(server.url, alice, 'ops', 'dan');
    const rRole = await mk();
    const roleKeys = fakeKeys();
    await grant(server.url, alice, rRole.id, { role: 'ops' }, ex, roleKeys);
    const rRoleRead = await mk();
    await grant(server.url, alice, rRoleRead.id, { role: 'ops' }, ['read']);
    const rSealed = await mk();
    await grant(server.url, alice, rSealed.id, { user: 'dan' }, ex);
    await seal(server.url, alice, rSealed, ['alice'], ['alice', 'dan']);
    const rNone = await mk();
    const own = await createRecord(server.url, dan);
    const rLaterSealed = await mk();
    await grant(server.url, alice, rLaterSealed.id, { user: 'dan' }, ex);
    const rRevoke = await mk();
    await grant(server.url, alice, rRevoke.id, { user: 'dan' }, ex);
    const rUngrant = await mk();
    await grant(server.url, alice, rUngrant.id, { user: 'dan' }, ex);
    await createRole(server.url, alice, 'temp');
    await addMember(server.url, alice, 'temp', 'dan');
    const rRoleLeave = await mk();
    await grant(server.url, alice, rRoleLeave.id, { role: 'temp' }, ex);
    const rDeleted = await mk();
    await grant(server.url, alice, rDeleted.id, { user: 'dan' }, ex);
    const rUpdated = await mk();
    await grant(server.url, alice, rUpdated.id, { user: 'dan' }, ex);

    const client = new OfflineClient(server.url, dan);
    const first = await client.syncAll();
    assert.equal(first.length, 1);
    const page = first[0]!;
    assert.equal(page.reset, true);
    assert.deepEqual(page.removed, []);
    const expected = [rExport, rMasked, rRole, own, rLaterSealed, rRevoke, rUngrant, rRoleLeave, rDeleted, rUpdated].map((r) => r.id);
    assert.deepEqual(client.ids(), sorted(expected));
    assert.equal(page.total, expected.length);
    assert.match(page.cursor, /^d\.\d+$/);

    // Sent exactly as GET /records/:id gives them to dan: secret part and dan's wrapped keys.
    const wire = client.records.get(rExport.id) as RecordWire;
    const online = await api<RecordWire>(server.url, 'GET', `/v1/db/${DB}/records/${rExport.id}`, { token: dan.token });
    assert.equal(online.status, 200);
    assert.deepEqual(wire, online.body);
    assert.deepEqual(wire.keys, exportKeys);
    assert.deepEqual(wire.keyHolder, { kind: 'user', user: 'dan' });
    assert.deepEqual(wire.rights, ['read', 'export']);
    assert.ok(wire.secret && wire.secret.length > 0);
    const viaRole = client.records.get(rRole.id) as RecordWire;
    assert.deepEqual(viaRole.keys, roleKeys);
    assert.deepEqual(viaRole.keyHolder, { kind: 'role', role: 'ops' });
    assert.equal((client.records.get(rMasked.id) as RecordWire).masked, true);
    assert.deepEqual((client.records.get(own.id) as RecordWire).rights, ['read', 'write', 'delete', 'authorize', 'export']);
    for (const r of client.records.values()) {
      assert.equal(r.sealed, false);
      assert.ok(r.secret !== null, 'every synced record carries its secret part');
    }

    // E4: every way out of the set, plus changes to records dan was never given.
    await seal(server.url, alice, rLaterSealed, ['alice'], ['alice', 'dan']);
    await grant(server.url, alice, rRevoke.id, { user: 'dan' }, ['read'], null);
    await ungrant(server.url, alice, rUngrant.id, 'dan');
    await removeMember(server.url, alice, 'temp', 'dan');
    await deleteRecord(server.url, alice, rDeleted.id);
    const updated = await updateRecord(server.url, alice, rUpdated);
    await deleteRecord(server.url, alice, rRead.id);
    await deleteRecord(server.url, alice, rNone.id);
    await seal(server.url, alice, rAllButExport, ['alice'], ['alice', 'dan']);
    await updateRecord(server.url, alice, rRoleRead);

    const delta = await client.syncAll();
    assert.equal(delta.length, 1);
    const d = delta[0]!;
    assert.equal(d.reset, false);
    assert.equal(d.total, null);
    assert.deepEqual(sorted(d.removed), sorted([rLaterSealed.id, rRevoke.id, rUngrant.id, rRoleLeave.id, rDeleted.id]));
    assert.deepEqual(
      d.records.map((r) => r.id),
      [rUpdated.id],
    );
    assert.equal(d.records[0]!.revision, updated.revision);
    assert.deepEqual(client.ids(), sorted([rExport.id, rMasked.id, rRole.id, own.id, rUpdated.id]));
    for (const id of [rRead.id, rNone.id, rAllButExport.id, rRoleRead.id, rSealed.id]) {
      assert.ok(!client.everRemoved.has(id), `never-given ${id} must not be named`);
      assert.ok(!client.everGiven.has(id));
    }
    const held = await server.storage.db.selectFrom('offline_held').select('record_id').where('device_id', '=', dan.deviceId).execute();
    assert.deepEqual(sorted(held.map((h) => h.record_id)), client.ids());

    // Back in: export granted again, the role joined again.
    await grant(server.url, alice, rRevoke.id, { user: 'dan' }, ex, null);
    await addMember(server.url, alice, 'temp', 'dan');
    const back = await client.syncAll();
    assert.deepEqual(sorted(back.flatMap((p) => p.records.map((r) => r.id))), sorted([rRevoke.id, rRoleLeave.id]));
    assert.deepEqual(back.flatMap((p) => p.removed), []);

    // Leaving a role names only the held records it gave (rRole), never the ones it gave without export.
    await removeMember(server.url, alice, 'ops', 'dan');
    const left = await client.syncAll();
    assert.deepEqual(left.flatMap((p) => p.removed), [rRole.id]);
    assert.deepEqual(left.flatMap((p) => p.records), []);
  });

  test('paging: reset pages by id with total, delta pages with hasMore, a large role join split across pages', async () => {
    const erin = await offlineUser('erin');
    const mine: RecordWire[] = [];
    for (let i = 0; i < 7; i++) mine.push(await createRecord(server.url, erin));

    const client = new OfflineClient(server.url, erin);
    const reset = await client.syncAll(3);
    assert.deepEqual(
      reset.map((p) => p.records.length),
      [3, 3, 1],
    );
    assert.deepEqual(
      reset.map((p) => p.hasMore),
      [true, true, false],
    );
    assert.ok(reset.every((p) => p.reset));
    assert.deepEqual(
      reset.map((p) => p.total),
      [7, 7, 7],
      'the total is counted on the first page of a reset and carried by the cursor',
    );
    assert.match(reset[0]!.cursor, /^r\.\d+\.[A-Za-z0-9_-]{22}\.7$/);
    // A reset cursor without the total (the short form) still pages; the total is then unknown.
    const short = reset[0]!.cursor.replace(/\.7$/, '');
    const shortPage = await syncOnce(server.url, erin, short, 3);
    assert.equal(shortPage.status, 200);
    assert.equal((shortPage.body as { total: number | null }).total, null);
    assert.match(reset[2]!.cursor, /^d\.\d+$/);
    const ids = reset.flatMap((p) => p.records.map((r) => r.id));
    assert.equal(new Set(ids).size, ids.length, 'no record is served twice by one snapshot');
    assert.deepEqual(client.ids(), sorted(mine.map((r) => r.id)));

    for (const r of mine.slice(0, 5)) await updateRecord(server.url, erin, r);
    const delta = await client.syncAll(2);
    assert.deepEqual(
      delta.map((p) => [p.records.length, p.hasMore, p.reset, p.total]),
      [
        [2, true, false, null],
        [2, true, false, null],
        [1, false, false, null],
      ],
    );

    // A role join touches many records at once: the change is split with a partial cursor.
    const roleRecs: RecordWire[] = [];
    await createRole(server.url, alice, 'big');
    for (let i = 0; i < 5; i++) {
      const r = await createRecord(server.url, alice);
      await grant(server.url, alice, r.id, { role: 'big' }, ['read', 'export']);
      roleRecs.push(r);
    }
    // Not erin's yet: those changes are walked, and nothing is sent or named.
    const before = await client.syncAll(2);
    assert.deepEqual(before.flatMap((p) => [...p.records, ...p.removed]), []);
    await addMember(server.url, alice, 'big', 'erin');
    const join = await client.syncAll(2);
    assert.deepEqual(
      join.map((p) => p.records.length),
      [2, 2, 1],
    );
    assert.match(join[0]!.cursor, /^p\.\d+\.[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(client.ids(), sorted([...mine, ...roleRecs].map((r) => r.id)));

    // Caught up: the next answer is a no-change one with the same cursor.
    const again = await client.page(2);
    assert.deepEqual([again.records.length, again.removed.length, again.hasMore], [0, 0, false]);
    assert.equal(again.cursor, join[2]!.cursor);
  });

  test('a reset from cursor 0 while another writer writes loses nothing: reset + delta equals the eligible set', async () => {
    const fay = await offlineUser('fay');
    const eligible = new Map<string, RecordWire>();
    const share = async () => {
      const r = await createRecord(server.url, alice);
      await grant(server.url, alice, r.id, { user: 'fay' }, ['read', 'export']);
      eligible.set(r.id, r);
      return r;
    };
    for (let i = 0; i < 12; i++) await share();

    const client = new OfflineClient(server.url, fay);
    const writes: Array<() => Promise<void>> = [
      async () => void (await share()),
      async () => {
        // Delete the record with the highest id (not yet sent by an id-ordered snapshot).
        const id = sorted(eligible.keys()).at(-1) as string;
        await deleteRecord(server.url, alice, id);
        eligible.delete(id);
      },
      async () => {
        // Delete the lowest (already sent).
        const id = sorted(eligible.keys())[0] as string;
        await deleteRecord(server.url, alice, id);
        eligible.delete(id);
      },
      async () => {
        const id = sorted(eligible.keys())[1] as string;
        const r = eligible.get(id) as RecordWire;
        eligible.set(id, await updateRecord(server.url, alice, r));
      },
      async () => {
        const id = sorted(eligible.keys())[4] as string;
        await seal(server.url, alice, eligible.get(id) as RecordWire, ['alice'], ['alice', 'fay']);
        eligible.delete(id);
      },
      async () => {
        const id = sorted(eligible.keys())[6] as string;
        await grant(server.url, alice, id, { user: 'fay' }, ['read'], null);
        eligible.delete(id);
      },
      async () => void (await share()),
    ];
    let p = await client.page(3);
    assert.equal(p.reset, true);
    let w = 0;
    while (p.hasMore) {
      if (w < writes.length) await writes[w++]!();
      p = await client.page(3);
    }
    while (w < writes.length) await writes[w++]!();
    await client.syncAll(3);
    assert.deepEqual(client.ids(), sorted(eligible.keys()));
    for (const [id, r] of eligible) assert.equal(client.records.get(id)?.revision, r.revision, `revision of ${id}`);

    // A second device of fay starting from 0 now gets the same set.
    const login = await api<{ token: string }>(server.url, 'POST', '/v1/login', {
      body: { user: 'fay', authKey: fay.authKey, device: { id: 'B'.repeat(22), name: 'second' } },
    });
    assert.equal(login.status, 200);
    const second = new OfflineClient(server.url, { ...fay, token: login.body.token, deviceId: 'B'.repeat(22) });
    await second.syncAll(5);
    assert.deepEqual(second.ids(), client.ids());
  });

  test('a delta cursor from a device the server holds no offline database for gets a reset', async () => {
    const gil = await offlineUser('gil');
    await createRecord(server.url, gil);
    const seq = (await server.storage.db.selectFrom('databases').select('seq').where('name', '=', DB).executeTakeFirstOrThrow()).seq;
    const client = new OfflineClient(server.url, gil);
    client.cursor = `d.${Number(seq)}`;
    const p = await client.page();
    assert.equal(p.reset, true);
    assert.equal(p.records.length, 1);
    // A cursor from the future (restored server) resets too.
    client.cursor = `d.${Number(seq) + 1000}`;
    assert.equal((await client.page()).reset, true);
  });
});
