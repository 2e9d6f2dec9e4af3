import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { setupOffline, makeWire, type TestContext } from '@safehold/testkit/sdk-offline';
import { syncOffline } from './sync.js';
import { openOfflineSource } from './index.js';
import { headerRow, packIndex, packRows, readHeaderCache, toRow, writeHeaderCache, type CacheLayout } from './headercache.js';
import { sortByName } from '../search.js';
import fc from 'fast-check';
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

/** The stored cache's parts, each as its sealed bytes, and its layout. */
function storedParts(src: OfflineRecordSource): { layout: CacheLayout | undefined; parts: Uint8Array[] } {
  const layout = readHeaderCache(src.offline)?.layout;
  const parts = Array.from({ length: layout?.parts ?? 0 }, (_, i) => src.offline.store.getCache(`headers/${i + 1}`) ?? new Uint8Array(0));
  return { layout, parts };
}

/** The list a full decrypt gives (the cache dropped first; the list then writes it whole again). */
async function fullDecrypt(src: OfflineRecordSource): Promise<readonly RecordView[]> {
  src.offline.store.setCache('headers', new Uint8Array(0));
  const list = await src.list();
  assert.equal(src.lastList.cached, 0);
  return list;
}

describe('header cache extension (ADR 0095; ADR 0144, session 11)', () => {
  test('a large cache with a few changed records is extended by them, not rewritten; the next unlock reads it as current', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const wires = Array.from({ length: 2100 }, (_, i) => makeWire(u, 'main', { name: `rec ${(i * 7919) % 2100}` }));
    for (const w of wires) srv.put(w);
    await syncOffline(ctx, { create: true });
    const src0 = await open(t, ctx);
    await src0.list();
    const before = storedParts(src0);
    src0.close();
    assert.ok(before.layout && before.layout.parts >= 1);
    // A delta sync changes 3 records (renamed to sort elsewhere) and removes one.
    for (const [i, w] of wires.slice(0, 3).entries()) srv.put(makeWire(u, 'main', { name: `aaa moved ${i}`, id: w.id }));
    srv.remove((wires[10] as { id: string }).id);
    await syncOffline(ctx, { create: false });
    const src = await open(t, ctx);
    const first = await src.list();
    assert.deepEqual(src.lastList, { cached: 2096, decrypted: 3, cacheWritten: true });
    assert.deepEqual(first.slice(0, 3).map((v) => v.name), ['aaa moved 0', 'aaa moved 1', 'aaa moved 2']);
    const after = storedParts(src);
    // One part more, with the 3 rechecked rows; the stored parts are the very same bytes (not written again).
    assert.deepEqual(after.layout && { parts: after.layout.parts, rows: after.layout.rows, listed: after.layout.order.length }, { parts: before.layout.parts + 1, rows: 2103, listed: 2099 });
    assert.deepEqual(after.parts.slice(0, before.parts.length), before.parts);
    src.close();
    const next = await open(t, ctx);
    assert.deepEqual(await next.list(), first, 'the same list from the extended cache');
    assert.deepEqual(next.lastList, { cached: 2099, decrypted: 0, cacheWritten: false });
    assert.deepEqual(await fullDecrypt(next), first);
  });

  test('rows no longer listed reach 1/20 of the listed ones: the cache is written whole again (one part, none stale)', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const wires = Array.from({ length: 2100 }, (_, i) => makeWire(u, 'main', { name: `rec ${i}`, username: 'old' }));
    for (const w of wires) srv.put(w);
    await syncOffline(ctx, { create: true });
    const shapes: Array<{ parts: number; rows: number; listed: number } | undefined> = [];
    let parts0 = 0;
    for (let round = 0; round < 3; round++) {
      // 40 records edited a round: 40, 80 stale rows stay under 2100 / 20 = 105; 120 do not.
      for (const w of wires.slice(round * 40, round * 40 + 40)) srv.put(makeWire(u, 'main', { name: w.id === wires[0]?.id ? 'a first' : `rec edited ${round}`, username: `new ${round}`, id: w.id }));
      await syncOffline(ctx, { create: false });
      const src = await open(t, ctx);
      if (round === 0) parts0 = (readHeaderCache(src.offline)?.layout?.parts ?? 0);
      const list = await src.list();
      assert.equal(src.lastList.cacheWritten, true);
      assert.equal(list.length, 2100);
      assert.equal(list.filter((v) => v.username === `new ${round}`).length, 40);
      const { layout } = storedParts(src);
      shapes.push(layout && { parts: layout.parts, rows: layout.rows, listed: layout.order.length });
      if (round === 2) {
        assert.deepEqual(layout?.order, Array.from({ length: 2100 }, (_, i) => i), 'written whole: the rows in list order');
        assert.deepEqual(await fullDecrypt(src), list);
      }
      src.close();
    }
    assert.deepEqual(shapes, [
      { parts: parts0 + 1, rows: 2140, listed: 2100 },
      { parts: parts0 + 2, rows: 2180, listed: 2100 },
      { parts: 1, rows: 2100, listed: 2100 },
    ]);
  });

  test('any sequence of adds, edits, removals, syncs and unlocks lists exactly the server\'s records, in order (property)', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    // Enough records that a few changed ones extend the cache (under 1/20 stale), few enough to sync quickly.
    const model = new Map<string, { name: string; username: string }>();
    const put = (spec: { id?: string; name: string; username: string }): void => {
      const w = makeWire(u, 'main', spec);
      srv.put(w);
      model.set(w.id, { name: spec.name, username: spec.username });
    };
    for (let i = 0; i < 300; i++) put({ name: `seed ${i % 50}`, username: `u${i}` });
    await syncOffline(ctx, { create: true });
    const name = fc.constantFrom('alpha', 'Alpha', 'beta', 'Émile', 'zulu', 'seed 7', '');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), name, n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('edit' as const), name, n: fc.integer({ min: 1, max: 6 }), at: fc.nat() }),
      fc.record({ kind: fc.constant('remove' as const), n: fc.integer({ min: 1, max: 3 }), at: fc.nat() }),
    );
    let extended = 0;
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), async (deltas) => {
        for (const delta of deltas) {
          for (const o of delta) {
            const ids = [...model.keys()];
            for (let k = 0; k < o.n; k++) {
              round++;
              if (o.kind === 'add') put({ name: o.name, username: `added ${round}` });
              else if (ids.length > 0) {
                const id = ids[(o.at + k * 37) % ids.length] as string;
                if (o.kind === 'edit') put({ id, name: o.name, username: `edited ${round}` });
                else if (model.delete(id)) srv.remove(id);
              }
            }
          }
          await syncOffline(ctx, { create: false });
          const src = await openOfflineSource(ctx);
          assert.ok(src);
          try {
            const partsBefore = readHeaderCache(src.offline)?.layout?.parts ?? 0;
            const list = await src.list();
            const partsAfter = readHeaderCache(src.offline)?.layout?.parts ?? 0;
            if (partsAfter > partsBefore) extended++;
            const expected = sortByName([...model].map(([id, m]) => ({ id, ...m })));
            assert.deepEqual(list.map((v) => [v.id, v.name, v.username]), expected.map((m) => [m.id, m.name, m.username]));
            const again = await src.list();
            assert.deepEqual(src.lastList.decrypted, 0, 'the second list reads the cache as current');
            assert.deepEqual(again, list);
          } finally {
            src.close();
          }
        }
      }),
      { numRuns: 12 },
    );
    // The property ran over both paths: caches extended, and (stale rows past 1/20, removals) written whole.
    assert.ok(extended > 0, 'some unlock extended the cache');
  });
});

/** A session over an in-memory cache table only (what readHeaderCache and writeHeaderCache touch). */
function memorySession(): { s: OfflineSession; values: Map<string, Uint8Array> } {
  const values = new Map<string, Uint8Array>();
  const store = {
    getCache: (k: string) => values.get(k) ?? null,
    setCacheAt: (k: string, v: Uint8Array, _g: number, parts?: { keep: boolean; add: ReadonlyArray<readonly [string, Uint8Array]> }) => {
      if (!parts?.keep) for (const key of [...values.keys()]) if (key.startsWith(`${k}/`)) values.delete(key);
      for (const [pk, pv] of parts?.add ?? []) values.set(pk, pv);
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
    // Written whole: one part with every row in list order, and the index.
    assert.deepEqual([...values.keys()].sort(), ['headers', 'headers/1']);
    assert.deepEqual(back?.layout, { parts: 1, rows: 3, order: [0, 1, 2] });
    // The views share frozen rights sets and empty lists: changing one is an error, never a change to other views.
    const [, bare, full] = back?.views ?? [];
    assert.ok(bare && full);
    assert.equal(Object.isFrozen(bare.rights) && Object.isFrozen(bare.tags) && Object.isFrozen(bare.fields) && Object.isFrozen(full.rights), true);
    assert.throws(() => (full.rights as string[]).push('read'), TypeError);
    assert.throws(() => (bare.tags as string[]).push('x'), TypeError);
    assert.deepEqual(readHeaderCache(s)?.views, VIEWS, 'read again: the same views');
  });

  test('a cache in parts (as the sync writes it) is read in the index order', () => {
    const { s, values } = memorySession();
    const seal = (plain: Uint8Array): Uint8Array => sealHeaderCache(s.userKey, 'alice', plain);
    values.set('headers/1', seal(packRows(VIEWS.slice(0, 2).map(toRow))));
    values.set('headers/2', seal(packRows(VIEWS.slice(2).map(toRow))));
    values.set('headers', seal(packIndex(9, 'en-US', { parts: 2, order: [2, 0] })));
    assert.deepEqual(readHeaderCache(s), { generation: 9, locale: 'en-US', views: [VIEWS[2], VIEWS[0]], layout: { parts: 2, rows: 3, order: [2, 0] } });
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
