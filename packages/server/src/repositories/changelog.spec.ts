/**
 * The per-database change counter. Every change that can alter what a user may hold takes the next
 * seq in its own transaction; a reader following `seq > cursor` must never skip one, even with many
 * concurrent writers through two server processes on one storage.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordWire } from '@safehold/protocol/api';
import { openStorage, type Storage } from '../storage/open.js';
import { startServer, type RunningServer } from '../server.js';
import { b64, forEachBackend } from '@safehold/testkit';
import { currentSeq } from './changelog.js';
import { Client, assertError, keys, newRecord, rid, share, startHarness, user, type Harness } from '@safehold/testkit/records';

forEachBackend('change counter', (backend) => {
  let h: Harness;
  let dbId: string;
  before(async () => {
    h = await startHarness(backend, ['alice', 'bob', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
    dbId = (await h.server.storage.db.selectFrom('databases').select('id').where('name', '=', 'main').executeTakeFirstOrThrow()).id;
  });
  after(() => h?.close());

  const changesAfter = (seq: number) =>
    h.server.storage.db.selectFrom('changes').selectAll().where('db_id', '=', dbId).where('seq', '>', seq).orderBy('seq').execute();

  test('each record-level change takes the next seq, writes one change row and stamps the record', async () => {
    const alice = user(h, 'alice');
    const start = await currentSeq(h.server.storage.db, dbId);
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read']);
    const rev2 = rid();
    await alice.req('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rev2, header: b64(20), secret: b64(20) });
    await alice.req('PUT', `/records/${r.id}/mask`, { masked: true });
    const rev3 = rid();
    await alice.req('PUT', `/records/${r.id}/seal`, {
      approvers: ['bob'],
      required: 1,
      windowMinutes: 5,
      baseRevision: rev2,
      revision: rev3,
      header: b64(20),
      secret: b64(20),
      secretKeys: [{ holder: { kind: 'user', user: 'alice' }, secret: b64(60) }],
    });
    // Lifting needs an approved unseal release (12.1); releases take no seq. A lone attempt is refused first.
    assertError(await alice.req('DELETE', `/records/${r.id}/seal`), 403, 'forbidden');
    const lift = await alice.req<{ id: string }>('POST', `/records/${r.id}/releases`, { kind: 'unseal' });
    await user(h, 'bob').req('POST', `/releases/${lift.body.id}/approve`);
    assert.equal((await alice.req('DELETE', `/records/${r.id}/seal`)).status, 200);
    await alice.req('DELETE', `/records/${r.id}/grants?user=bob`);
    await alice.req('DELETE', `/records/${r.id}`);
    const rows = await changesAfter(start);
    const kinds = ['record_created', 'grant_changed', 'record_updated', 'mask_changed', 'seal_set', 'seal_lifted', 'grant_changed', 'record_deleted'];
    assert.deepEqual(
      rows.map((c) => [c.seq, c.kind, c.record_id]),
      kinds.map((k, i) => [start + i + 1, k, r.id]),
    );
    assert.equal(await currentSeq(h.server.storage.db, dbId), start + kinds.length);
    const rec = await h.server.storage.db.selectFrom('records').select('change_seq').where('id', '=', r.id).executeTakeFirstOrThrow();
    assert.equal(rec.change_seq, start + kinds.length);
  });

  test('refused and no-op requests take no seq and leave no change row', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read']);
    const start = await currentSeq(h.server.storage.db, dbId);
    assertError(await alice.req('POST', '/records', { id: r.id, revision: rid(), header: 'AA', secret: 'AA', keys: keys() }), 409, 'conflict');
    assertError(await alice.req('PUT', `/records/${r.id}`, { baseRevision: rid(), revision: rid(), header: 'AA', secret: 'AA' }), 409, 'stale_revision');
    assertError(await bob.req('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rid(), header: 'AA', secret: 'AA' }), 403, 'forbidden');
    assertError(await bob.req('DELETE', `/records/${r.id}`), 403, 'forbidden');
    assertError(await alice.req('PUT', `/records/${r.id}/grants`, { grantee: { kind: 'user', user: 'w1' }, rights: ['read'] }), 400, 'bad_request');
    assert.equal((await alice.req('PUT', `/records/${r.id}/mask`, { masked: false })).status, 200);
    assert.equal((await alice.req('DELETE', `/records/${r.id}/seal`)).status, 200);
    assert.equal((await alice.req('PUT', `/records/${r.id}/keys`, { header: b64(20), secret: null })).status, 200);
    assert.equal(await currentSeq(h.server.storage.db, dbId), start);
    assert.deepEqual(await changesAfter(start), []);
  });

  test('concurrent writers through two servers: a reader following the counter never skips a change', async () => {
    // A second server process on the same storage (its own pool or SQLite connection), and a reader on a third.
    const open = (): Promise<Storage> =>
      openStorage(h.server.databaseUrl ? { databaseUrl: h.server.databaseUrl } : { dataDir: h.server.dataDir as string });
    const storage2 = await open();
    const readerStorage = await open();
    let server2: RunningServer | undefined;
    try {
      server2 = await startServer({ storage: storage2, host: '127.0.0.1', port: 0, clock: h.server.clock });
      const start = await currentSeq(readerStorage.db, dbId);
      const writers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((n, i) => {
        const c = user(h, n);
        // Half the writers go through the second server.
        return i % 2 === 0 ? c : new Client({ ...h.server, url: (server2 as RunningServer).url }, c.name, c.token, c.db);
      });
      const perWriter = 20;
      const created: string[] = [];
      let writing = true;

      let cursor = start;
      let observations = 0;
      const seen: Array<{ seq: number; kind: string; record_id: string | null }> = [];
      const readOnce = async () => {
        if ((await currentSeq(readerStorage.db, dbId)) <= cursor) return;
        const rows = await readerStorage.db
          .selectFrom('changes')
          .select(['seq', 'kind', 'record_id'])
          .where('db_id', '=', dbId)
          .where('seq', '>', cursor)
          .orderBy('seq')
          .execute();
        rows.forEach((row, i) => {
          // A hole here means a later change became visible before an earlier one: the cursor would skip it.
          assert.equal(row.seq, cursor + 1 + i, `change ${cursor + 1 + i} invisible while ${row.seq} is visible`);
        });
        if (rows.length > 0) observations++;
        seen.push(...rows);
        cursor = rows[rows.length - 1]?.seq ?? cursor;
      };
      const reader = (async () => {
        while (writing) {
          await readOnce();
          await new Promise((r) => setImmediate(r));
        }
        await readOnce();
      })();

      try {
        await Promise.all(
          writers.map(async (c) => {
            for (let i = 0; i < perWriter; i++) {
              const body = { id: rid(), revision: rid(), header: b64(40), secret: b64(40), keys: keys() };
              const res = await c.req<RecordWire>('POST', '/records', body);
              assert.equal(res.status, 200, JSON.stringify(res.body));
              created.push(body.id);
              const up = await c.req('PUT', `/records/${body.id}`, { baseRevision: body.revision, revision: rid(), header: b64(40), secret: b64(40) });
              assert.equal(up.status, 200, JSON.stringify(up.body));
            }
          }),
        );
      } finally {
        writing = false;
        await reader;
      }

      const total = writers.length * perWriter * 2;
      assert.equal(await currentSeq(readerStorage.db, dbId), start + total);
      assert.deepEqual(
        seen.map((s) => s.seq),
        Array.from({ length: total }, (_, i) => start + i + 1),
        'seqs are contiguous and each seen once',
      );
      const createdSeen = seen.filter((s) => s.kind === 'record_created').map((s) => s.record_id);
      assert.equal(createdSeen.length, created.length);
      assert.deepEqual(new Set(createdSeen), new Set(created), 'every written record appears exactly once');
      assert.equal(seen.filter((s) => s.kind === 'record_updated').length, created.length);
      assert.ok(observations > 1, `the reader should have followed the writers in several steps (got ${observations})`);
    } finally {
      await server2?.close();
      await storage2.close();
      await readerStorage.close();
    }
  });
});
