/**
 * The delta page's `changedAfter` guard (services/sync.ts, issue 17), made deterministic: a writer
 * commits a change to a record after the page's walk of the change log and before the page reads the
 * record's wire. PostgreSQL runs READ COMMITTED, so the page sees the newer revision; sent now, the
 * record would come again with the page that walks its newer change (a duplicate change seen by the
 * cursor). With the guard it waits for that page. The storage spy holds the page's transaction right
 * after the walk's statement while the write commits through another connection.
 *
 * PostgreSQL only: on SQLite the page's transaction and the write are serialized (one writer), so the
 * race cannot happen there (and the write awaited inside the page would wait for it forever).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, registerTestUser, type TestUser } from '@safehold/testkit';
import { DB, OfflineClient, createRecord, startSpyServer, updateRecord } from '@safehold/testkit/offline-server';
import type { RecordWire } from '@safehold/protocol/api';

describe('offline sync: a record changed while its delta page is built [postgres]', () => {
  const clock = manualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  let server: Awaited<ReturnType<typeof startSpyServer>>;
  let alice: TestUser;

  before(async () => {
    server = await startSpyServer('postgres', clock);
    await server.admin.createDb(DB, { offline: true });
    alice = await registerTestUser(server, 'alice', DB);
    await server.admin.setUserRights('alice', DB, { offline: true, offlineDays: 3 });
  });
  after(() => server?.close());

  test('waits for the page that walks the newer change: every revision reaches the cursor once', async () => {
    const recs: RecordWire[] = [];
    for (let i = 0; i < 3; i++) recs.push(await createRecord(server.url, alice));
    const client = new OfflineClient(server.url, alice);
    await client.syncAll();
    assert.equal(client.records.size, 3);

    // Two records edited: the delta's walk sees these changes.
    const [a, b] = [recs[0] as RecordWire, recs[1] as RecordWire];
    const a1 = await updateRecord(server.url, alice, a);
    const b1 = await updateRecord(server.url, alice, b);

    // Right after the walk's read of the change log, `a` changes again and commits.
    let a2: RecordWire | null = null;
    server.spy.afterQuery = async (q) => {
      if (q.kind !== 'SelectQueryNode' || q.tables.join() !== 'changes') return;
      server.spy.afterQuery = null;
      a2 = await updateRecord(server.url, alice, a1);
    };
    const first = await client.page();
    server.spy.afterQuery = null;
    assert.ok(a2, 'the write ran inside the page');
    const newer = a2 as RecordWire;
    assert.notEqual(newer.revision, a1.revision);

    // The page sends `b`, and not `a` at the revision of a change past the page's end.
    assert.deepEqual(
      first.records.map((r) => [r.id, r.revision]),
      [[b.id, b1.revision]],
    );
    const rest = await client.syncAll();
    const sent = [first, ...rest].flatMap((p) => p.records.map((r) => `${r.id}@${r.revision}`));
    assert.deepEqual(sent.filter((x, i) => sent.indexOf(x) !== i), [], 'no revision sent twice to one cursor');
    assert.ok(sent.includes(`${a.id}@${newer.revision}`), 'the newer revision arrives with the next page');
    assert.equal(client.records.get(a.id)?.revision, newer.revision);
    assert.equal(client.records.get(b.id)?.revision, b1.revision);
  });
});
