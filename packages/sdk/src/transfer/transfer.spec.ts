/**
 * Import and export against a real server over HTTP: what the export endpoint itself sends (the server
 * withholds masked and sealed secrets, whatever the client does), its audit row, bulk import with an
 * injected failure between batches (whole records only, and the re-run completes without duplicates).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { createRecord, editRecord, listRecords } from '../vault.js';
import { shareRecord } from '../sharing.js';
import { sealRecord } from '../seals.js';
import { cleanup, newUser, startServer, type TestServerLike, type TestUserCtx } from '@safehold/testkit/sdk';
import { exportVault } from './export.js';
import { importVault } from './import.js';
import { emptyNotes, type PortableRecord } from './portable.js';

interface RawExport {
  records: Array<{ id: string; name?: string; secret: string | null; keys: { header: string; secret: string | null } | null; history: Array<{ secret: string | null }> }>;
  withheld: { masked: number; sealed: number };
}

describe('import and export through the server', () => {
  let server: TestServerLike;
  let alice: TestUserCtx;
  let bob: TestUserCtx;
  const dirs: string[] = [];
  const ids = { masked: '', plain: '', readOnly: '', sealed: '' };
  before(async () => {
    server = await startServer();
    await server.admin.createDb('main');
    await server.admin.createDb('bulk');
    alice = await newUser(server, 'alice', 'main', dirs);
    bob = await newUser(server, 'bob', 'main', dirs);
    await server.admin.addUser('alice', 'bulk');
    alice.ctx = await alice.reopen();
    alice.ctx.account.db = 'main';
    ids.masked = (await createRecord(alice.ctx, { name: 'masked', password: 'pw-masked', secretFields: [{ name: 's', value: 'sv' }], masked: true })).id;
    await editRecord(alice.ctx, ids.masked, { password: 'pw-masked-2' });
    ids.plain = (await createRecord(alice.ctx, { name: 'plain', password: 'pw-plain' })).id;
    ids.readOnly = (await createRecord(alice.ctx, { name: 'read only', password: 'pw-ro' })).id;
    ids.sealed = (await createRecord(alice.ctx, { name: 'sealed', password: 'pw-sealed' })).id;
    await shareRecord(alice.ctx, ids.masked, { user: 'bob' }, ['read', 'export']);
    await shareRecord(alice.ctx, ids.plain, { user: 'bob' }, ['read', 'export']);
    await shareRecord(alice.ctx, ids.readOnly, { user: 'bob' }, ['read']);
    await shareRecord(alice.ctx, ids.sealed, { user: 'bob' }, ['read', 'export']);
    await sealRecord(alice.ctx, ids.sealed, { approvers: ['bob'] });
  });
  after(async () => {
    await server.close();
    cleanup(dirs);
  });

  test('the export endpoint withholds masked (for non-authorize holders) and sealed secrets itself, and audits', async () => {
    const raw = (await bob.ctx.api.request('POST', '/db/main/export', { body: { format: 'csv', history: true } })) as RawExport;
    const byId = new Map(raw.records.map((r) => [r.id, r]));
    assert.deepEqual([...byId.keys()].sort(), [ids.masked, ids.plain, ids.sealed].sort(), 'only records with the export right');
    for (const id of [ids.masked, ids.sealed]) {
      const r = byId.get(id);
      assert.equal(r?.secret, null);
      assert.equal(r?.keys?.secret, null, 'nor the wrapped secret key');
      assert.ok(r?.history.every((h) => h.secret === null), 'nor the secrets of its history');
    }
    assert.notEqual(byId.get(ids.plain)?.secret, null);
    assert.deepEqual(raw.withheld, { masked: 1, sealed: 1 });
    const own = (await alice.ctx.api.request('POST', '/db/main/export', { body: { format: 'kdbx' } })) as RawExport;
    assert.notEqual(own.records.find((r) => r.id === ids.masked)?.secret, null, 'authorize exports it whole');
    assert.equal(own.records.find((r) => r.id === ids.sealed)?.secret, null, 'a seal holds for its creator too');
    const audit = await server.storage.db.selectFrom('audit').selectAll().where('action', '=', 'export').execute();
    const bobRow = audit.find((a) => a['actor'] === 'bob');
    assert.deepEqual(JSON.parse(String(bobRow?.['detail'])), { format: 'csv', count: 3, withoutSecret: 2, skippedSealed: 0, history: true });

    const res = await exportVault(bob.ctx, { dbs: ['main'], format: 'csv', history: true });
    const masked = res.databases[0]?.records.find((r) => r.name === 'masked');
    assert.equal(masked?.password, '');
    assert.deepEqual(masked?.secretFields, []);
    assert.ok(masked?.history.every((h) => h.password === '' && h.secretFields.length === 0));
    const skipped = await exportVault(bob.ctx, { dbs: ['main'], format: 'csv', skipSealed: true });
    assert.equal(skipped.skippedSealed, 1);
    assert.equal(skipped.databases[0]?.records.some((r) => r.name === 'sealed'), false);
  });

  test('bulk import: a failure between batches leaves whole records, the re-run completes without duplicates', async () => {
    const records: PortableRecord[] = Array.from({ length: 1100 }, (_, i) => ({
      name: `bulk ${i}`, username: `u${i}`, password: `p${i}`, url: '', notes: '', tags: ['bulk'], fields: [], secretFields: [],
      origin: null, sourceId: `test:${i}`, kind: 'login', history: [], position: `line ${i + 2}`,
    }));
    const file = { records, notes: emptyNotes() };
    const ctx = alice.ctx;
    const original = ctx.api.request.bind(ctx.api);
    let imports = 0;
    // Injected fault: the server goes away before the second batch.
    ctx.api.request = (async (method: string, path: string, opts?: object) => {
      if (path.endsWith('/import') && ++imports === 2) throw new SafeholdError('unreachable', 'server unreachable');
      return original(method, path, opts as never);
    }) as typeof ctx.api.request;
    await assert.rejects(importVault(ctx, 'bulk', file, { format: 'csv' }), (e: SafeholdError) => e.code === 'unreachable');
    ctx.api.request = original as typeof ctx.api.request;
    ctx.account.db = 'bulk';
    const partial = (await listRecords(ctx)).length;
    assert.equal(partial, 500, 'the first batch, whole');
    const progress: number[] = [];
    ctx.events.on('progress', (p) => {
      if (p.task === 'importing') progress.push(p.done);
    });
    const again = await importVault(ctx, 'bulk', file, { format: 'csv' });
    assert.deepEqual({ created: again.created, existing: again.existing }, { created: 600, existing: 500 });
    assert.equal(progress.at(-1), 600);
    assert.equal((await listRecords(ctx)).length, 1100);
    const third = await importVault(ctx, 'bulk', file, { format: 'csv' });
    assert.equal(third.created, 0);
    const dry = await importVault(ctx, 'bulk', { records: [...records, { ...records[0], sourceId: 'test:new', name: 'new one' } as PortableRecord], notes: emptyNotes() }, { format: 'csv', dryRun: true });
    assert.deepEqual({ created: dry.created, existing: dry.existing, names: dry.names }, { created: 1, existing: 1100, names: ['new one'] });
    assert.equal((await listRecords(ctx)).length, 1100, 'a dry run writes nothing');
    const rows = await server.storage.db.selectFrom('audit').selectAll().where('action', '=', 'import').execute();
    assert.ok(rows.length >= 3);
    ctx.account.db = 'main';
  });

  test('a record the server refuses keeps its code (conflict, exit 8) and its batch is not written at all', async () => {
    const b64 = (n: number) => 'A'.repeat(n);
    const rec = (id: string, i: number) => ({
      id, revision: `R${String(i).padStart(21, '0')}`, header: b64(40), secret: b64(40), keys: { header: b64(40), secret: b64(40) },
      source: `S${String(i).padStart(42, '0')}`,
    });
    const fresh = `F${'0'.repeat(20)}1`;
    const before = await server.storage.db.selectFrom('records').selectAll().where('id', '=', fresh).execute();
    assert.equal(before.length, 0);
    await assert.rejects(
      alice.ctx.api.request('POST', '/db/main/import', { body: { format: 'csv', records: [rec(fresh, 1), rec(ids.plain, 2)] } }),
      (e: SafeholdError) => e.code === 'conflict' && e.exitCode === 8,
    );
    const after = await server.storage.db.selectFrom('records').selectAll().where('id', '=', fresh).execute();
    assert.equal(after.length, 0, 'the whole batch rolled back');
  });

  test('import into a database the user is not a member of is not_found (exit 4), before anything is written', async () => {
    const file = { records: [{ name: 'x', username: '', password: '', url: '', notes: '', tags: [], fields: [], secretFields: [], origin: null, sourceId: 'x', kind: 'login' as const, history: [], position: 'line 2' }], notes: emptyNotes() };
    await assert.rejects(importVault(bob.ctx, 'bulk', file, { format: 'csv' }), (e: SafeholdError) => e.code === 'not_found' && e.exitCode === 4);
  });
});
