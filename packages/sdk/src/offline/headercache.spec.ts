import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { setupOffline, makeWire, type TestContext } from '@safehold/testkit/sdk-offline';
import { syncOffline } from './sync.js';
import { openOfflineSource } from './index.js';
import { headerRow, packIndex, packRows, readHeaderCache, toRow, writeHeaderCache } from './headercache.js';
import { sealHeaderCache } from '../keys/index.js';
import type { OfflineSession } from './unlock.js';
import type { RecordView } from '../recordview.js';
import { toView } from '../recordview.js';
import type { Right } from '@safehold/protocol/api';
import type { OfflineRecordSource } from './source.js';

const FIXTURE = [
  { name: 'Kitchen Router Admin', username: 'router-operator', url: 'https://router.kitchen.example', password: 'Zebra-Orbit-4471', notes: 'rack 3, top shelf' },
  { name: 'Payroll Portal', username: 'payroll.clerk@example.org', url: 'https://payroll.example.org/login', password: 'Quartz!Lantern!88', masked: true },
  { name: 'Staging Database', username: 'stg_dbuser', url: 'postgres://staging-db.internal', password: 'Marmalade_Sky_302', tags: ['infra'] },
];

async function open(t: { after: (fn: () => void) => void }, ctx: TestContext): Promise<OfflineRecordSource> {
  const src = await openOfflineSource(ctx);
  assert.ok(src);
  t.after(() => src.close());
  return src;
}

describe('offline header cache', () => {
  test('the second list() reads the cache and gives identical views; a later sync edit and removal show', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const wires = FIXTURE.map((f) => makeWire(u, 'main', f));
    for (const w of wires) srv.put(w);
    await syncOffline(ctx, { create: true });

    const src1 = await open(t, ctx);
    const first = await src1.list();
    // ADR 0076: the first sync wrote the cache (headercachewriter.spec.ts checks it against a full decrypt).
    assert.deepEqual(src1.lastList, { cached: 3, decrypted: 0, cacheWritten: false });
    const stored = readHeaderCache(src1.offline);
    assert.equal(stored?.generation, src1.offline.store.generation());
    // Stored in list order, so the next unlock's sort finds it sorted.
    assert.deepEqual(stored?.views.map((v) => v.id), first.map((v) => v.id));
    const again = await src1.list();
    assert.deepEqual(src1.lastList, { cached: 3, decrypted: 0, cacheWritten: false });
    assert.deepEqual(again, first);
    src1.close();

    // A fresh unlock reads the cache from the file.
    const src2 = await open(t, ctx);
    assert.deepEqual(await src2.list(), first);
    assert.deepEqual(src2.lastList, { cached: 3, decrypted: 0, cacheWritten: false });
    src2.close();

    // A sync that changes nothing leaves the cache current.
    await syncOffline(ctx, { create: false });
    const srcNc = await open(t, ctx);
    assert.deepEqual(await srcNc.list(), first);
    assert.deepEqual(srcNc.lastList, { cached: 3, decrypted: 0, cacheWritten: false });
    srcNc.close();

    // A sync edits one record and removes another: the edit shows, the removed one is gone, only the edit is decrypted.
    const [a, b, c] = wires as [typeof wires[0], typeof wires[0], typeof wires[0]];
    srv.put(makeWire(u, 'main', { name: 'Kitchen Router (renamed)', username: 'new-operator', id: a.id }));
    srv.remove(b.id);
    await syncOffline(ctx, { create: false });
    const src3 = await open(t, ctx);
    const after = await src3.list();
    assert.deepEqual(src3.lastList, { cached: 1, decrypted: 1, cacheWritten: true });
    assert.deepEqual(after.map((v) => [v.id, v.name, v.username]), [
      [a.id, 'Kitchen Router (renamed)', 'new-operator'],
      [c.id, 'Staging Database', 'stg_dbuser'],
    ]);
    assert.deepEqual(readHeaderCache(src3.offline)?.views.map((v) => v.id).sort(), [a.id, c.id].sort());
    assert.deepEqual(await src3.list(), after);
    assert.deepEqual(src3.lastList, { cached: 2, decrypted: 0, cacheWritten: false });
  });

  test('many new records after a sync (bulk read path) join the cached ones', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'Old one' }));
    await syncOffline(ctx, { create: true });
    const src1 = await open(t, ctx);
    await src1.list();
    src1.close();
    for (let i = 0; i < 70; i++) srv.put(makeWire(u, 'main', { name: `New ${String(i).padStart(2, '0')}`, username: `user-${i}` }));
    await syncOffline(ctx, { create: false });
    const src2 = await open(t, ctx);
    const list = await src2.list();
    assert.deepEqual(src2.lastList, { cached: 1, decrypted: 70, cacheWritten: true });
    assert.equal(list.length, 71);
    assert.equal(list.find((v) => v.name === 'New 42')?.username, 'user-42');
    assert.deepEqual(await src2.list(), list);
    assert.deepEqual(src2.lastList, { cached: 71, decrypted: 0, cacheWritten: false });
  });

  test('a tampered or foreign cache blob is ignored and rebuilt, never an error', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const f of FIXTURE) srv.put(makeWire(u, 'main', f));
    await syncOffline(ctx, { create: true });
    const src = await open(t, ctx);
    const first = await src.list();
    const store = src.offline.store;
    const good = store.getCache('headers');
    assert.ok(good);
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 0x01;
    for (const bad of [flipped, new Uint8Array([1, 2, 3]), new Uint8Array(0)]) {
      store.setCache('headers', bad);
      assert.deepEqual(await src.list(), first);
      assert.deepEqual(src.lastList, { cached: 0, decrypted: 3, cacheWritten: true });
      assert.deepEqual(await src.list(), first);
      assert.deepEqual(src.lastList, { cached: 3, decrypted: 0, cacheWritten: false });
    }
  });

  test('a header replaced under an unchanged revision is still an integrity error, cache or not', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const wires = FIXTURE.map((f) => makeWire(u, 'main', f));
    for (const w of wires) srv.put(w);
    await syncOffline(ctx, { create: true });
    const src = await open(t, ctx);
    await src.list();
    const store = src.offline.store;
    const victim = store.getRecord(wires[0]?.id ?? '');
    const other = store.getRecord(wires[2]?.id ?? '');
    assert.ok(victim && other);
    const meta = store.meta();
    assert.ok(meta.lease);
    store.applyPage({ records: [{ ...victim, header: other.header }], removed: [], cursor: meta.cursor, lease: meta.lease, now: ctx.now.value });
    await assert.rejects(src.list(), (e: unknown) => e instanceof SafeholdError && e.code === 'integrity' && e.message.includes(victim.id));
  });

  test('R12 with the cache present: nothing of the fixture in any raw file of the offline directory', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const f of FIXTURE) srv.put(makeWire(u, 'main', f));
    await syncOffline(ctx, { create: true });
    const src = await open(t, ctx);
    await src.list();
    assert.ok(src.offline.store.getCache('headers'));
    const dir = join(ctx.home.dir, 'offline');
    const scan = (when: string): void => {
      for (const f of readdirSync(dir)) {
        const raw = readFileSync(join(dir, f));
        for (const rec of FIXTURE) {
          for (const v of [rec.name, rec.username, rec.url, rec.password, rec.notes, ...(rec.tags ?? [])]) {
            if (v !== undefined) assert.equal(raw.includes(v), false, `${v} found in ${f} (${when})`);
          }
        }
      }
    };
    scan('open, cache in the WAL');
    src.close();
    scan('closed, cache checkpointed');
  });
});

describe('header cache rows', () => {
  test('headerRow gives exactly the row of the view (plain and secret fields, rights bits, tags)', () => {
    const meta = { id: 'rec-1', masked: true, sealed: false, rights: ['read', 'write', 'export'] as Right[], revision: 'rev-9', updatedAt: '2026-12-02T00:00:00.000Z' };
    const header = {
      name: 'Payroll Portal', username: 'clerk', url: 'https://payroll.example.org', notes: 'n',
      tags: ['hr', 'finance'], fields: [{ name: 'pin hint', value: 'birthday' }], secretFieldNames: ['pin', 'otp seed'],
    };
    assert.deepEqual(headerRow(meta, header), toRow(toView(meta, header)));
    const bare = { ...header, tags: [], fields: [], secretFieldNames: [] };
    assert.deepEqual(headerRow({ ...meta, masked: false, rights: [] }, bare), toRow(toView({ ...meta, masked: false, rights: [] }, bare)));
  });
});

describe('header cache rewrite policy (ADR 0095)', () => {
  test('a large cache with a few changed records is not rewritten: the list is the one a full decrypt gives, every time', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const wires = Array.from({ length: 2100 }, (_, i) => makeWire(u, 'main', { name: `rec ${(i * 7919) % 2100}` }));
    for (const w of wires) srv.put(w);
    await syncOffline(ctx, { create: true });
    // A delta sync changes 3 records (renamed to sort elsewhere) and removes one.
    for (const [i, w] of wires.slice(0, 3).entries()) srv.put(makeWire(u, 'main', { name: `aaa moved ${i}`, id: w.id }));
    srv.remove((wires[10] as { id: string }).id);
    await syncOffline(ctx, { create: false });
    const src = await openOfflineSource(ctx);
    assert.ok(src);
    t.after(() => src.close());
    const first = await src.list();
    assert.deepEqual(src.lastList, { cached: 2096, decrypted: 3, cacheWritten: false });
    assert.deepEqual(first.slice(0, 3).map((v) => v.name), ['aaa moved 0', 'aaa moved 1', 'aaa moved 2']);
    assert.deepEqual(await src.list(), first, 'the same list again, from the same cache and log');
    assert.deepEqual(src.lastList, { cached: 2096, decrypted: 3, cacheWritten: false });
    // What a full decrypt lists (the cache dropped first).
    src.offline.store.setCache('headers', new Uint8Array(0));
    assert.deepEqual(await src.list(), first);
    assert.equal(src.lastList.decrypted, 2099);
  });
});

/** A session over an in-memory cache table only (what readHeaderCache and writeHeaderCache touch). */
function memorySession(): { s: OfflineSession; values: Map<string, Uint8Array> } {
  const values = new Map<string, Uint8Array>();
  const store = {
    getCache: (k: string) => values.get(k) ?? null,
    setCacheAt: (k: string, v: Uint8Array) => {
      for (const key of [...values.keys()]) if (key.startsWith(`${k}/`)) values.delete(key);
      values.set(k, v);
      return true;
    },
  };
  const s = { store, userKey: new Uint8Array(32).fill(7), sidecar: { user: 'alice' } } as unknown as OfflineSession;
  return { s, values };
}

const VIEWS: RecordView[] = [
  { id: 'id-1', name: 'Écluse 🚀 router', username: 'ü', url: '', notes: 'line one\nline two, "quoted" \u0000 nul', tags: ['infra', 'ßtraße', ''], fields: [{ name: 'pin hint', secret: false, value: '' }, { name: 'otp 🔑', secret: true }], masked: true, sealed: false, rights: ['read', 'authorize'], revision: 'rev-1', updatedAt: '2026-12-02T00:00:00.000Z' },
  { id: 'id-2', name: '', username: '', url: 'https://x.example', notes: '', tags: [], fields: [], masked: false, sealed: false, rights: [], revision: 'r', updatedAt: 't' },
  { id: 'id-3', name: 'x'.repeat(70_000), username: '日本語', url: 'u', notes: 'n', tags: ['a'], fields: [{ name: 'n', secret: false, value: 'v'.repeat(300) }], masked: false, sealed: false, rights: ['read', 'write', 'delete', 'authorize', 'export'], revision: 'r3', updatedAt: 't3' },
];

describe('header cache format 4 (ADR 0095, session 7)', () => {
  test('views written and read back are equal: unicode, empty strings, a long name, tags, plain and secret fields, every rights bit', () => {
    const { s, values } = memorySession();
    assert.equal(writeHeaderCache(s, 5, VIEWS), true);
    const back = readHeaderCache(s);
    assert.equal(back?.generation, 5);
    assert.deepEqual(back?.views, VIEWS);
    assert.equal(values.size, 1);
  });

  test('a cache in parts (as the sync writes it) is read in the index order', () => {
    const { s, values } = memorySession();
    const seal = (plain: Uint8Array): Uint8Array => sealHeaderCache(s.userKey, 'alice', plain);
    values.set('headers/1', seal(packRows(VIEWS.slice(0, 2).map(toRow))));
    values.set('headers/2', seal(packRows(VIEWS.slice(2).map(toRow))));
    values.set('headers', seal(packIndex(9, 'en-US', { parts: 2, order: [2, 0] })));
    assert.deepEqual(readHeaderCache(s), { generation: 9, locale: 'en-US', views: [VIEWS[2], VIEWS[0]] });
  });

  test('a short, padded, foreign-format or inconsistent cache (validly sealed) is treated as absent, never an error', () => {
    const { s, values } = memorySession();
    const seal = (plain: Uint8Array): Uint8Array => sealHeaderCache(s.userKey, 'alice', plain);
    const inline = packIndex(3, 'en-US', { rows: VIEWS.map(toRow) });
    const cut = inline.indexOf(0);
    const bad: Uint8Array[] = [
      new TextEncoder().encode(JSON.stringify({ v: 3, g: 3, l: 'en-US', rows: VIEWS.map(toRow) })), // the JSON format before 4
      inline.subarray(0, cut), // the head alone
      inline.subarray(0, cut + 1), // the head and its 0 byte: no rows at all
      inline.subarray(0, inline.length - 1), // one byte of text short
      Uint8Array.from([...inline, 0x41]), // one byte of text too many
      Uint8Array.from([...inline.subarray(0, cut + 1), 0xff, 0xff, 0xff, 0xff, 0x7f]), // a count past 2^28
      Uint8Array.from([...inline.subarray(0, cut + 1), 5, 0]), // five rows and no numbers
    ];
    for (let i = 0; i < inline.length - cut - 1; i += 97) {
      const flipped = Uint8Array.from(inline);
      flipped[cut + 1 + i] = (flipped[cut + 1 + i] ?? 0) ^ 0x80;
      bad.push(flipped);
    }
    for (const plain of bad) {
      values.clear();
      values.set('headers', seal(plain));
      const read = readHeaderCache(s);
      // A flipped bit may still spell a well-formed cache; it then never has the views' shape wrong.
      if (read !== null) assert.equal(read.views.every((v) => typeof v.id === 'string' && Array.isArray(v.fields)), true);
    }
    for (const plain of bad.slice(0, 7)) {
      values.clear();
      values.set('headers', seal(plain));
      assert.equal(readHeaderCache(s), null);
    }
    // Parts: a missing part, an order past the rows, an index twice, an order varint cut short.
    const parts = (order: Uint8Array, count = 1): void => {
      values.clear();
      values.set('headers/1', seal(packRows(VIEWS.map(toRow))));
      values.set('headers', seal(Uint8Array.from([...packIndex(3, 'en-US', { parts: count, order: [] }), ...order])));
    };
    for (const [order, count] of [[[0], 2], [[3], 1], [[1, 1], 1], [[0x80], 1]] as Array<[number[], number]>) {
      parts(Uint8Array.from(order), count);
      assert.equal(readHeaderCache(s), null, `order ${JSON.stringify(order)} of ${count} part(s)`);
    }
    parts(Uint8Array.from([2, 0, 1]));
    assert.deepEqual(readHeaderCache(s)?.views, [VIEWS[2], VIEWS[0], VIEWS[1]]);
  });

  test('an unlock that finds a short new-format cache lists what a full decrypt lists and writes the cache again', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const f of FIXTURE) srv.put(makeWire(u, 'main', f));
    await syncOffline(ctx, { create: true });
    const src = await open(t, ctx);
    const first = await src.list();
    const off = src.offline;
    const inline = packIndex(off.store.generation(), 'en-US', { rows: first.map(toRow) });
    off.store.setCache('headers', sealHeaderCache(off.userKey, off.sidecar.user, inline.subarray(0, inline.length - 3)));
    assert.deepEqual(await src.list(), first);
    assert.deepEqual(src.lastList, { cached: 0, decrypted: 3, cacheWritten: true });
    assert.deepEqual(await src.list(), first);
    assert.deepEqual(src.lastList, { cached: 3, decrypted: 0, cacheWritten: false });
  });
});
