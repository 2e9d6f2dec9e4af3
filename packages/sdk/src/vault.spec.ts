import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { createRecord, editRecord, getRecord, listRecords, removeRecord, revealRecord, secretForUse } from './vault.js';
import { recordHistory } from './history.js';
import { serverSource } from './source.js';
import { searchRecords } from './search.js';
import { cleanup, newUser, startServer, type TestServerLike, type TestUserCtx } from '@safehold/testkit/sdk';

const code = (c: string) => (e: unknown) => e instanceof SafeholdError && e.code === c;
const integrity = (id: string) => (e: unknown) =>
  code('integrity')(e) && (e as Error).message === `record ${id} failed integrity check: the server sent data that was tampered with or corrupted`;

describe('vault', () => {
  let server: TestServerLike;
  let alice: TestUserCtx;
  const dirs: string[] = [];
  before(async () => {
    server = await startServer();
    await server.admin.createDb('main');
    alice = await newUser(server, 'alice', 'main', dirs);
  });
  after(async () => {
    await server.close();
    cleanup(dirs);
  });

  test('create, list, get, edit, history and delete, end to end encrypted', async () => {
    const v = await createRecord(alice.ctx, {
      name: 'Billing portal',
      username: 'billing',
      password: 'pw-bill-Q7',
      url: 'https://billing.example.test',
      notes: 'Ask Zoë',
      tags: ['finance', 'finance', ' '],
      fields: [{ name: 'account', value: '42' }],
      secretFields: [{ name: 'pin', value: '9911' }],
    });
    assert.match(v.id, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(v.tags, ['finance']);
    assert.deepEqual([...v.rights].sort(), ['authorize', 'delete', 'export', 'read', 'write']);
    assert.deepEqual(Object.keys(v).sort(), ['fields', 'id', 'masked', 'name', 'notes', 'revision', 'rights', 'sealed', 'tags', 'updatedAt', 'url', 'username']);
    // the server holds ciphertext only
    const rows = await server.storage.db.selectFrom('records').selectAll().where('id', '=', v.id).execute();
    const stored = JSON.stringify(rows);
    for (const plain of ['Billing', 'billing', 'pw-bill-Q7', '9911', 'Ask Zo']) assert.equal(stored.includes(plain), false, plain);

    const list = await listRecords(alice.ctx);
    assert.equal(list.length, 1);
    assert.equal(JSON.stringify(list).includes('pw-bill-Q7'), false);
    assert.equal(JSON.stringify(list).includes('9911'), false);
    assert.deepEqual(searchRecords(list, 'ZOE').map((r) => r.id), [v.id]);

    const revealed = await revealRecord(alice.ctx, v.id);
    assert.equal(revealed.password, 'pw-bill-Q7');
    assert.deepEqual(revealed.fields.find((f) => f.name === 'pin'), { name: 'pin', secret: true, value: '9911' });
    assert.equal(await secretForUse(alice.ctx, v.id, 'pin'), '9911');
    assert.equal(await secretForUse(alice.ctx, v.id, 'username'), 'billing');

    const edited = await editRecord(alice.ctx, v.id, { password: 'pw-bill-R2', secretFields: [{ name: 'pin', value: '' }], tags: ['fin'] });
    assert.notEqual(edited.revision, v.revision);
    assert.deepEqual(edited.tags, ['fin']);
    assert.deepEqual(edited.fields.map((f) => f.name), ['account']);
    assert.equal((await revealRecord(alice.ctx, v.id)).password, 'pw-bill-R2');

    const h = await recordHistory(alice.ctx, v.id);
    assert.ok(h.revisions.length >= 2);
    assert.equal(JSON.stringify(h).includes('pw-bill'), false, 'history without reveal shows no secret');
    const hr = await recordHistory(alice.ctx, v.id, { reveal: true });
    assert.deepEqual(new Set(hr.revisions.map((r) => r.password)), new Set(['pw-bill-Q7', 'pw-bill-R2']));

    await removeRecord(alice.ctx, v.id);
    await assert.rejects(getRecord(alice.ctx, v.id), code('not_found'));
    assert.equal((await listRecords(alice.ctx)).some((r) => r.id === v.id), false);
  });

  test('unknown and malformed ids are not_found (exit 4)', async () => {
    await assert.rejects(getRecord(alice.ctx, 'no-such-record-id'), (e) => code('not_found')(e) && (e as SafeholdError).exitCode === 4);
    await assert.rejects(getRecord(alice.ctx, 'AAAAAAAAAAAAAAAAAAAAAA'), code('not_found'));
    await assert.rejects(removeRecord(alice.ctx, '../../x'), code('not_found'));
  });

  test('a stale edit is a conflict (exit 8), never a silent overwrite', async () => {
    const v = await createRecord(alice.ctx, { name: 'Shared login', password: 'one' });
    const other = await alice.reopen();
    await editRecord(other, v.id, { password: 'two' });
    await assert.rejects(editRecord(alice.ctx, v.id, { password: 'three' }, { baseRevision: v.revision }), (e) => code('stale_revision')(e) && (e as SafeholdError).exitCode === 8);
    assert.equal((await revealRecord(alice.ctx, v.id)).password, 'two');
  });

  test('tampered, swapped or replayed ciphertext is an integrity error (exit 1)', async () => {
    const a = await createRecord(alice.ctx, { name: 'A', password: 'pw-a' });
    const b = await createRecord(alice.ctx, { name: 'B', password: 'pw-b' });
    const [rowA] = await server.storage.db.selectFrom('records').selectAll().where('id', '=', a.id).execute();
    const [rowB] = await server.storage.db.selectFrom('records').selectAll().where('id', '=', b.id).execute();
    assert.ok(rowA && rowB);
    const headerA = String(rowA.header);
    const secretA = String(rowA.secret);

    // one flipped character in the stored header
    const flipped = headerA.slice(0, 30) + (headerA[30] === 'A' ? 'B' : 'A') + headerA.slice(31);
    await server.storage.db.updateTable('records').set({ header: flipped }).where('id', '=', a.id).execute();
    await assert.rejects(getRecord(alice.ctx, a.id), (e) => integrity(a.id)(e) && (e as SafeholdError).exitCode === 1);
    await assert.rejects(listRecords(alice.ctx), integrity(a.id));
    await assert.rejects(serverSource(alice.ctx).get(a.id), integrity(a.id));

    // B's secret moved into A (same user's keys, other record): caught by the AAD
    await server.storage.db.updateTable('records').set({ header: headerA, secret: String(rowB.secret) }).where('id', '=', a.id).execute();
    await assert.rejects(revealRecord(alice.ctx, a.id), integrity(a.id));

    // header and secret swapped within A
    await server.storage.db.updateTable('records').set({ header: secretA, secret: headerA }).where('id', '=', a.id).execute();
    await assert.rejects(getRecord(alice.ctx, a.id), integrity(a.id));

    // an old revision's ciphertext replayed under the current revision id
    await server.storage.db.updateTable('records').set({ header: headerA, secret: secretA }).where('id', '=', a.id).execute();
    assert.equal((await revealRecord(alice.ctx, a.id)).password, 'pw-a');
    await editRecord(alice.ctx, a.id, { password: 'pw-a2' });
    await server.storage.db.updateTable('records').set({ secret: secretA }).where('id', '=', a.id).execute();
    await assert.rejects(revealRecord(alice.ctx, a.id), integrity(a.id));

    // a tampered wrapped key
    const [keyRow] = await server.storage.db.selectFrom('record_keys').selectAll().where('record_id', '=', b.id).execute();
    assert.ok(keyRow);
    const hk = String(keyRow.header_key);
    await server.storage.db.updateTable('record_keys').set({ header_key: hk.slice(0, -3) + (hk.endsWith('AAA') ? 'BBB' : 'AAA') }).where('record_id', '=', b.id).execute();
    await assert.rejects(getRecord(alice.ctx, b.id), integrity(b.id));
    await server.storage.db.updateTable('record_keys').set({ header_key: hk }).where('record_id', '=', b.id).execute();
    assert.equal((await revealRecord(alice.ctx, b.id)).password, 'pw-b');
  });
});
