/** Records over real HTTP on both backends: create, get, list, update, conflicts, history, delete, masking, key adoption, audit. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AdoptBatchResponse, History, RecordList, RecordWire } from '@safehold/protocol/api';
import { b64, forEachBackend } from '@safehold/testkit';
import { listAudit } from './audit.js';
import { loadRecordWires } from './recordwire.js';
import { assertError, keys, newRecord, rid, share, startHarness, user, type Harness } from '@safehold/testkit/records';

forEachBackend('records', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(backend, ['alice', 'bob', 'carol']);
  });
  after(() => h?.close());

  test('create returns the record with the creator key row; get returns the secret, list does not', async () => {
    const alice = user(h, 'alice');
    const r = await newRecord(alice);
    assert.equal(r.wire.id, r.id);
    assert.equal(r.wire.revision, r.revision);
    assert.equal(r.wire.db, 'main');
    assert.equal(r.wire.header, r.header);
    assert.equal(r.wire.secret, r.secret);
    assert.deepEqual(r.wire.keys, r.keys);
    assert.deepEqual(r.wire.keyHolder, { kind: 'user', user: 'alice' });
    assert.equal(r.wire.masked, false);
    assert.equal(r.wire.sealed, false);
    assert.equal(r.wire.seal, null);
    const got = await alice.req<RecordWire>('GET', `/records/${r.id}`);
    assert.deepEqual(got.body, r.wire);
    const list = await alice.req<RecordList>('GET', '/records');
    const inList = list.body.records.find((x) => x.id === r.id);
    assert.ok(inList);
    assert.equal(inList.secret, null, 'lists never carry the secret');
    assert.equal(inList.header, r.header);
    assert.deepEqual(inList.keys, r.keys, 'lists carry the keys, so clients can open headers');
  });

  test('a list answers the same whether it fetches readable records by id or scans the database', async () => {
    const bob = user(h, 'bob');
    const alice = user(h, 'alice');
    for (let i = 0; i < 3; i++) await share(alice, (await newRecord(alice)).id, { user: 'bob' }, ['read']);
    await newRecord(alice);
    const db = h.server.storage.db;
    const me = await db.selectFrom('users').select('id').where('name', '=', 'bob').executeTakeFirstOrThrow();
    const d = await db.selectFrom('databases').select('id').where('name', '=', 'main').executeTakeFirstOrThrow();
    const actor = { userId: me.id, user: 'bob' };
    const scope = { dbId: d.id, dbName: 'main' };
    const byId = await loadRecordWires(db, h.server.clock, actor, scope, { withSecret: false });
    const scanned = await loadRecordWires(db, h.server.clock, actor, scope, { withSecret: false, fullScanAbove: 0 });
    assert.ok(byId.length >= 3);
    assert.deepEqual(scanned, byId);
    assert.deepEqual((await bob.req<RecordList>('GET', '/records')).body.records, byId);
  });

  test('create with an existing id is 409 conflict and changes nothing', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    const again = { id: r.id, revision: rid(), header: b64(20), secret: b64(20), keys: keys() };
    assertError(await alice.req('POST', '/records', again), 409, 'conflict');
    assertError(await bob.req('POST', '/records', again), 409, 'conflict');
    const got = await alice.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(got.body.revision, r.revision);
    assert.equal(got.body.header, r.header);
  });

  test('invalid bodies are 400 and change nothing', async () => {
    const alice = user(h, 'alice');
    assertError(await alice.req('POST', '/records', { id: 'short', revision: rid(), header: 'x', secret: 'x', keys: keys() }), 400, 'bad_request');
    assertError(await alice.req('POST', '/records', { id: rid(), revision: rid(), header: 'not base64!', secret: 'x', keys: keys() }), 400, 'bad_request');
    assertError(await alice.req('POST', '/records', { id: rid(), revision: rid(), header: 'x', secret: 'x', keys: keys(), extra: 1 }), 400, 'bad_request');
    const r = await newRecord(alice);
    assertError(await alice.req('PUT', `/records/${r.id}`, { baseRevision: r.revision, header: 'x', secret: 'x' }), 400, 'bad_request');
    assertError(await alice.req('PUT', `/records/${r.id}/mask`, { masked: 'yes' }), 400, 'bad_request');
  });

  test('update needs the current base revision: a stale one is 409 stale_revision and nothing is applied', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read', 'write']);
    const rev2 = rid();
    const a = await alice.req<RecordWire>('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rev2, header: b64(30), secret: b64(30) });
    assert.equal(a.status, 200);
    const stale = await bob.req('PUT', `/records/${r.id}`, { baseRevision: r.revision, revision: rid(), header: b64(30), secret: b64(30) });
    assertError(stale, 409, 'stale_revision');
    const got = await alice.req<RecordWire>('GET', `/records/${r.id}`);
    assert.equal(got.body.revision, rev2);
    assert.equal(got.body.header, a.body.header);
    // Reusing a revision id of the record's history is a conflict too.
    assertError(await bob.req('PUT', `/records/${r.id}`, { baseRevision: rev2, revision: r.revision, header: b64(30), secret: b64(30) }), 409, 'conflict');
    // Concurrent writers from one base: exactly one wins.
    const answers = await Promise.all(
      [alice, bob, alice, bob].map((c) => c.req('PUT', `/records/${r.id}`, { baseRevision: rev2, revision: rid(), header: b64(30), secret: b64(30) })),
    );
    assert.deepEqual(answers.map((x) => x.status).sort(), [200, 409, 409, 409]);
  });

  test('history keeps every revision, newest first, with who and when', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read', 'write']);
    const revs = [{ revision: r.revision, header: r.header, secret: r.secret, by: 'alice' }];
    for (const c of [bob, alice, bob]) {
      const next = { revision: rid(), header: b64(30), secret: b64(30) };
      const prev = revs[revs.length - 1];
      assert.ok(prev);
      const up = await c.req('PUT', `/records/${r.id}`, { baseRevision: prev.revision, ...next });
      assert.equal(up.status, 200);
      revs.push({ ...next, by: c.name });
    }
    const hist = await bob.req<History>('GET', `/records/${r.id}/history`);
    assert.equal(hist.status, 200);
    assert.equal(hist.body.record, r.id);
    assert.deepEqual(
      hist.body.revisions.map((x) => [x.revision, x.header, x.secret, x.updatedBy]),
      revs.reverse().map((x) => [x.revision, x.header, x.secret, x.by]),
    );
  });

  test('delete is soft: gone for everyone, kept in storage with its history', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read']);
    assert.deepEqual((await alice.req('DELETE', `/records/${r.id}`)).body, { ok: true });
    assertError(await alice.req('GET', `/records/${r.id}`), 404, 'not_found');
    assertError(await bob.req('GET', `/records/${r.id}`), 404, 'not_found');
    assertError(await alice.req('DELETE', `/records/${r.id}`), 404, 'not_found');
    assert.ok(!(await alice.req<RecordList>('GET', '/records')).body.records.some((x) => x.id === r.id));
    const row = await h.server.storage.db.selectFrom('records').select(['deleted_at']).where('id', '=', r.id).executeTakeFirstOrThrow();
    assert.notEqual(row.deleted_at, null);
    const revs = await h.server.storage.db.selectFrom('revisions').select('revision').where('record_id', '=', r.id).execute();
    assert.equal(revs.length, 1);
  });

  test('masked is stored and returned to every reader; only authorize changes it', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice, { masked: true });
    assert.equal(r.wire.masked, true);
    await share(alice, r.id, { user: 'bob' }, ['read', 'write']);
    assert.equal((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.masked, true);
    assert.equal((await bob.req<RecordList>('GET', '/records')).body.records.find((x) => x.id === r.id)?.masked, true);
    assertError(await bob.req('PUT', `/records/${r.id}/mask`, { masked: false }), 403, 'forbidden');
    const un = await alice.req<RecordWire>('PUT', `/records/${r.id}/mask`, { masked: false });
    assert.equal(un.body.masked, false);
    assert.equal((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.masked, false);
  });

  test('key adoption replaces the caller’s own key row; a null secret keeps the stored one', async () => {
    const alice = user(h, 'alice');
    const bob = user(h, 'bob');
    const r = await newRecord(alice);
    const wrapped = keys();
    await share(alice, r.id, { user: 'bob' }, ['read'], wrapped);
    assert.deepEqual((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.keys, wrapped);
    const adopted = keys();
    assert.deepEqual((await bob.req('PUT', `/records/${r.id}/keys`, adopted)).body, { ok: true });
    assert.deepEqual((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.keys, adopted);
    const header2 = b64(60);
    await bob.req('PUT', `/records/${r.id}/keys`, { header: header2, secret: null });
    assert.deepEqual((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.keys, { header: header2, secret: adopted.secret });
    // Alice's own row is untouched.
    assert.deepEqual((await alice.req<RecordWire>('GET', `/records/${r.id}`)).body.keys, r.keys);
  });

  test('batch key adoption adopts what the caller can read and names the rest', async () => {
    const alice = user(h, 'alice');
    const carol = user(h, 'carol');
    const shared = [await newRecord(alice), await newRecord(alice), await newRecord(alice)];
    for (const r of shared) await share(alice, r.id, { user: 'carol' }, ['read']);
    const notShared = await newRecord(alice);
    const unknown = rid();
    const batch = shared.map((r) => ({ record: r.id, header: b64(60), secret: b64(60) }));
    const res = await carol.req<AdoptBatchResponse>('POST', '/keys/adopt', {
      keys: [...batch, { record: notShared.id, header: b64(60), secret: null }, { record: unknown, header: b64(60), secret: null }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.adopted, 3);
    assert.deepEqual(res.body.skipped.sort(), [notShared.id, unknown].sort());
    for (const b of batch) {
      const got = await carol.req<RecordWire>('GET', `/records/${b.record}`);
      assert.deepEqual(got.body.keys, { header: b.header, secret: b.secret });
    }
    assertError(await carol.req('GET', `/records/${notShared.id}`), 404, 'not_found');
    const rows = await h.server.storage.db.selectFrom('record_keys').select('holder_id').where('record_id', '=', notShared.id).execute();
    assert.equal(rows.length, 1, 'no key row was added for a record carol cannot read');
    assertError(await carol.req('POST', '/keys/adopt', { keys: [] }), 400, 'bad_request');
    const tooMany = Array.from({ length: 2001 }, () => ({ record: rid(), header: 'AA', secret: null }));
    assertError(await carol.req('POST', '/keys/adopt', { keys: tooMany }), 400, 'bad_request');
  });

  test('every action is audited with names and counts, never ciphertext', async () => {
    const alice = user(h, 'alice');
    const r = await newRecord(alice);
    const k = keys();
    await share(alice, r.id, { user: 'bob' }, ['read'], k);
    const up = { baseRevision: r.revision, revision: rid(), header: b64(30), secret: b64(30) };
    await alice.req('PUT', `/records/${r.id}`, up);
    await alice.req('PUT', `/records/${r.id}/mask`, { masked: true });
    await alice.req('PUT', `/records/${r.id}/mask`, { masked: false });
    await alice.req('DELETE', `/records/${r.id}/grants?user=bob`);
    await alice.req('DELETE', `/records/${r.id}`);
    const events = (await listAudit(h.server.storage.db, { db: 'main' })).filter((e) => e.target === r.id);
    // Several events can share a millisecond: compare as sorted lists.
    assert.deepEqual(
      events.map((e) => [e.action, e.actor]).sort(),
      [
        ['record_created', 'alice'],
        ['share', 'alice'],
        ['record_updated', 'alice'],
        ['mask', 'alice'],
        ['unmask', 'alice'],
        ['unshare', 'alice'],
        ['record_deleted', 'alice'],
      ].sort(),
    );
    assert.deepEqual(events.find((e) => e.action === 'share')?.detail, { grantee: 'user:bob', rights: ['read'] });
    const all = JSON.stringify(await listAudit(h.server.storage.db));
    for (const secret of [r.header, r.secret, r.keys.header, r.keys.secret, k.header, k.secret, up.header, up.secret]) {
      assert.ok(!all.includes(secret), 'ciphertext or key material in the audit log');
    }
  });
});
