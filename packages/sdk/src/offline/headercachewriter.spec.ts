import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { OfflineStore } from '@safehold/store';
import { setupOffline, makeWire, type TestContext } from '@safehold/testkit/sdk-offline';
import { syncOffline } from './sync.js';
import { openOfflineSource } from './index.js';
import type { OfflineRecordSource } from './source.js';
import type { RecordView } from '../recordview.js';
import { HeaderRows } from './headerrows.js';
import { sortByName } from '../search.js';
import { headerRow, packRows, type Row } from './headercache.js';
import { encryptPart, fromB64, newRecordKey } from '../keys/index.js';

async function open(t: { after: (fn: () => void) => void }, ctx: TestContext): Promise<OfflineRecordSource> {
  const src = await openOfflineSource(ctx);
  assert.ok(src);
  t.after(() => src.close());
  return src;
}

/** The list decrypted from every header (the cache dropped first), for comparison. */
async function coldList(src: OfflineRecordSource): Promise<readonly RecordView[]> {
  src.offline.store.setCache('headers', new Uint8Array(0));
  const views = await src.list();
  assert.equal(src.lastList.cached, 0);
  return views;
}

/** A first sync, then a reset of several pages that replaces one record and removes another: listed as it ends, from the cache. */
async function resetScenario(t: Parameters<typeof setupOffline>[0], opts: { headerCacheThreadFrom?: number }): Promise<void> {
  const { u, srv, ctx } = await setupOffline(t);
  const keep = makeWire(u, 'main', { name: 'keep' });
  const drop = makeWire(u, 'main', { name: 'drop' });
  srv.put(keep);
  srv.put(drop);
  await syncOffline(ctx, { create: true, ...opts });
  srv.remove(drop.id);
  srv.put(makeWire(u, 'main', { name: 'keep2', id: keep.id }));
  for (let i = 0; i < 3; i++) srv.put(makeWire(u, 'main', { name: `n${i}` }));
  srv.forceReset = true;
  await syncOffline(ctx, { create: false, limit: 2, ...opts });
  const src = await open(t, ctx);
  const listed = await src.list();
  assert.deepEqual(src.lastList, { cached: 4, decrypted: 0, cacheWritten: false });
  assert.deepEqual(listed.map((v) => v.name), ['keep2', 'n0', 'n1', 'n2']);
  assert.deepEqual(listed, await coldList(src));
}

const names = ['zulu', 'Alpha', 'échelle', 'echo', 'Mike 10', 'Mike 9', 'bravo', 'Kilo'];

describe('header cache written by the sync (ADR 0076)', () => {
  test('a first sync of several pages writes the cache: the first unlock decrypts no header and lists what a full decrypt lists', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const [i, name] of names.entries()) srv.put(makeWire(u, 'main', { name, username: `u${i}`, tags: [`t${i % 2}`], masked: i === 3 }));
    await syncOffline(ctx, { create: true, limit: 3 });
    const src = await open(t, ctx);
    const first = await src.list();
    assert.deepEqual(src.lastList, { cached: names.length, decrypted: 0, cacheWritten: false });
    assert.equal(src.offline.store.getCache('headers/3') !== null, true, 'one part per page of three');
    const cold = await coldList(src);
    assert.deepEqual(first, cold);
    // The cold list's rewrite replaces the sync's parts with one part in list order.
    assert.notEqual(src.offline.store.getCache('headers/1'), null);
    assert.equal(src.offline.store.getCache('headers/2'), null);
    assert.equal(src.offline.store.getCache('headers/3'), null);
  });

  test('a reset rebuild writes a new cache; a record replaced or removed by a later page of the same sync is listed as it ends', async (t) => {
    await resetScenario(t, {});
  });

  test('an interrupted first sync, resumed, writes no partial cache: the first unlock decrypts every header', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (let i = 0; i < 5; i++) srv.put(makeWire(u, 'main', { name: `r${i}` }));
    srv.killRequest = srv.syncRequests + 2;
    await assert.rejects(syncOffline(ctx, { create: true, limit: 2 }));
    await syncOffline(ctx, { create: true, limit: 2 });
    const src = await open(t, ctx);
    assert.deepEqual((await src.list()).map((v) => v.name), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(src.lastList, { cached: 0, decrypted: 5, cacheWritten: true });
  });

  test('a header that does not decrypt is not cached by the sync: the unlock reports it as before', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const a = makeWire(u, 'main', { name: 'A' });
    const b = makeWire(u, 'main', { name: 'B' });
    srv.put(a);
    srv.put({ ...b, header: a.header });
    await syncOffline(ctx, { create: true });
    const src = await open(t, ctx);
    await assert.rejects(src.list(), (e: unknown) => e instanceof SafeholdError && e.code === 'integrity' && e.message.includes(b.id));
  });

  test('a tampered part is ignored and the list rebuilt from the headers, never an error', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const name of names) srv.put(makeWire(u, 'main', { name }));
    await syncOffline(ctx, { create: true, limit: 4 });
    const src = await open(t, ctx);
    const part = src.offline.store.getCache('headers/2');
    assert.ok(part);
    const flipped = Uint8Array.from(part);
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 0x01;
    src.offline.store.setCache('headers/2', flipped);
    const listed = await src.list();
    assert.deepEqual(src.lastList, { cached: 0, decrypted: names.length, cacheWritten: true });
    assert.equal(listed.length, names.length);
    assert.deepEqual(await src.list(), listed);
    assert.deepEqual(src.lastList, { cached: names.length, decrypted: 0, cacheWritten: false });
  });
});

describe('header cache written on its own thread (ADR 0095)', () => {
  const threaded = { headerCacheThreadFrom: 0 };

  test('a first sync of several pages writes every part and the index: the first unlock decrypts no header', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const [i, name] of names.entries()) srv.put(makeWire(u, 'main', { name, username: `u${i}`, tags: [`t${i % 2}`], masked: i === 3 }));
    await syncOffline(ctx, { create: true, limit: 3, ...threaded });
    const src = await open(t, ctx);
    const first = await src.list();
    assert.deepEqual(src.lastList, { cached: names.length, decrypted: 0, cacheWritten: false });
    assert.notEqual(src.offline.store.getCache('headers/3'), null, 'one part per page of three');
    assert.equal(src.offline.store.getCache('headers/4'), null);
    assert.deepEqual(first, await coldList(src));
  });

  test('a reset with a record replaced and one removed by later pages lists as the sync ends', async (t) => {
    await resetScenario(t, threaded);
  });

  test('a header that does not decrypt turns the thread\'s cache off: the unlock reports it as before', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const a = makeWire(u, 'main', { name: 'A' });
    const b = makeWire(u, 'main', { name: 'B' });
    srv.put(a);
    srv.put({ ...b, header: a.header });
    for (let i = 0; i < 4; i++) srv.put(makeWire(u, 'main', { name: `c${i}` }));
    await syncOffline(ctx, { create: true, limit: 2, ...threaded });
    const src = await open(t, ctx);
    assert.equal(src.offline.store.getCache('headers'), null, 'no index after a failure');
    await assert.rejects(src.list(), (e: unknown) => e instanceof SafeholdError && e.code === 'integrity' && e.message.includes(b.id));
  });

  test('an interrupted threaded first sync leaves no index; resumed, the first unlock decrypts every header', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (let i = 0; i < 5; i++) srv.put(makeWire(u, 'main', { name: `r${i}` }));
    srv.killRequest = srv.syncRequests + 2;
    await assert.rejects(syncOffline(ctx, { create: true, limit: 2, ...threaded }));
    await syncOffline(ctx, { create: true, limit: 2, ...threaded });
    const src = await open(t, ctx);
    assert.deepEqual((await src.list()).map((v) => v.name), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(src.lastList, { cached: 0, decrypted: 5, cacheWritten: true });
  });
  test('records of the last page committed, the index not yet (a fault injected there): resumed, the file holds every record and the first unlock decrypts every header', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const [i, name] of names.entries()) srv.put(makeWire(u, 'main', { name, username: `u${i}` }));
    // The fault: the empty page that ends a threaded rebuild with its index fails, once.
    const apply = OfflineStore.prototype.applyPage;
    let failed = 0;
    t.after(() => {
      OfflineStore.prototype.applyPage = apply;
    });
    OfflineStore.prototype.applyPage = function (this: OfflineStore, page) {
      if (failed === 0 && page.records.length === 0 && page.cache) {
        failed++;
        throw new Error('injected: the finishing page fails');
      }
      return apply.call(this, page);
    };
    await assert.rejects(syncOffline(ctx, { create: true, limit: 3, ...threaded }), /injected/);
    assert.equal(failed, 1, 'the last page ended in a page of its own');
    const resumed = await syncOffline(ctx, { create: true, limit: 3, ...threaded });
    assert.equal(resumed?.total, names.length);
    const src = await open(t, ctx);
    assert.equal(src.offline.store.getCache('headers'), null, 'no index: the rebuild was resumed, not rewritten');
    const listed = await src.list();
    assert.deepEqual(src.lastList, { cached: 0, decrypted: names.length, cacheWritten: true });
    assert.deepEqual(listed.map((v) => v.name).sort(), [...names].sort());
    assert.deepEqual(listed, await coldList(src));
  });
});

describe('header rows as the part (ADR 0095, session 7)', () => {
  test('a page is the bytes packRows gives its rows, page after page, past the first buffer (the packer reused)', () => {
    const rows = new HeaderRows();
    const expected: Row[][] = [[], []];
    const pages: Array<Uint8Array | null> = [];
    for (const [p, count] of [1500, 3].entries()) {
      for (let i = 0; i < count; i++) {
        const id = `rec-${p}-${i}`;
        const revision = `rev-${i}`;
        const meta = { id, revision, masked: i % 3 === 0, rights: i % 2 === 0 ? ['read', 'write'] : ['read'], updatedAt: '2026-12-02T00:00:00.000Z' };
        const header = {
          name: `échelle "${i}" \u2028 \\ ${'x'.repeat(i % 50)}`, username: `ü${i}`, url: 'https://example.org/?a=1&b=<2>', notes: i % 7 === 0 ? 'line\nbreak\ttab 🙂' : '',
          tags: i % 2 === 0 ? ['t', 'ß'] : [], fields: [{ name: 'f', value: `v${i}` }], secretFieldNames: i % 4 === 0 ? ['pin'] : [],
        };
        const key = newRecordKey();
        rows.add({ ...meta, header: fromB64(encryptPart(key, id, 'header', revision, header)) }, key);
        expected[p]?.push(headerRow(meta, header));
      }
      pages.push(rows.takePage([]));
    }
    assert.equal(rows.takePage([]), null, 'a page without rows has no part');
    for (const [p, page] of pages.entries()) {
      assert.ok(page);
      assert.deepEqual(page, packRows(expected[p] as Row[]));
    }
    assert.equal(rows.order().length, 1503);
  });
});

describe('header rows order (ADR 0095, session 7)', () => {
  test('replaced and removed rows leave the order as a map of ids updated at each row and removal would have it', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 6; round++) {
      // The last round is large enough for the id table to grow twice, with repeated ids across the growth.
      const [perPage, idCount] = round < 5 ? [12, 25] : [800, 2000];
      const rows = new HeaderRows();
      // The reference: every row's name and id, and which row each id stands for now.
      const ref: Array<{ name: string; id: string; i: number }> = [];
      const current = new Map<string, number>();
      let count = 0;
      for (let page = 0; page < 6; page++) {
        for (let k = 0; k < 1 + rnd(perPage); k++) {
          const id = `id-${rnd(idCount)}`;
          const name = ['b', 'a', 'B', 'é', 'e', ''][rnd(6)] as string;
          const key = newRecordKey();
          const header = { name, username: '', url: '', notes: '', tags: [], fields: [], secretFieldNames: [] };
          rows.add({ id, revision: 'r', masked: false, rights: ['read'], updatedAt: 't', header: fromB64(encryptPart(key, id, 'header', 'r', header)) }, key);
          ref.push({ name, id, i: count });
          current.set(id, count++);
        }
        const removed = Array.from({ length: rnd(3) }, () => `id-${rnd(idCount)}`);
        for (const id of removed) current.delete(id);
        rows.takePage(removed);
      }
      const live = new Set(current.values());
      const expected = sortByName(ref.filter((r) => live.has(r.i))).map((r) => r.i);
      assert.deepEqual(rows.order(), expected);
    }
  });
});
