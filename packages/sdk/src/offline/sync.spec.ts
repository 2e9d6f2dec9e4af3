import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { setupOffline, makeWire } from '@safehold/testkit/sdk-offline';
import { syncOffline, SYNC_TASK } from './sync.js';
import { openOfflineSource, runOfflineTrigger } from './index.js';
import { locate } from './locate.js';
import { offlineStatus } from './manage.js';
import type { ProgressEvent } from '../events.js';
import type { RecordView } from '../recordview.js';

const FIXTURE = [
  { name: 'Kitchen Router Admin', username: 'router-operator', url: 'https://router.kitchen.example', password: 'Zebra-Orbit-4471' },
  { name: 'Payroll Portal', username: 'payroll.clerk@example.org', url: 'https://payroll.example.org/login', password: 'Quartz!Lantern!88', masked: true },
  { name: 'Staging Database', username: 'stg_dbuser', url: 'postgres://staging-db.internal', password: 'Marmalade_Sky_302' },
];

function byName(list: readonly RecordView[], name: string): RecordView {
  const v = list.find((r) => r.name === name);
  assert.ok(v, `${name} present`);
  return v;
}

describe('offline sync engine', () => {
  test('R3: triggers find no offline database and do nothing (not even a request)', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'x' }));
    for (const k of ['after-save', 'after-login', 'interval'] as const) await runOfflineTrigger(ctx, k);
    assert.equal(srv.syncRequests, 0);
    assert.equal(existsSync(join(ctx.home.dir, 'offline')), false);
    assert.equal(await syncOffline(ctx, { create: false }), null);
  });

  test('first manual sync creates the file; counts, progress events (R10), status; R12 on the raw files', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    for (const f of FIXTURE) srv.put(makeWire(u, 'main', f));
    const progress: ProgressEvent[] = [];
    ctx.events.on('progress', (p) => progress.push(p));
    const r = await syncOffline(ctx, { create: true, limit: 2 });
    assert.ok(r);
    assert.deepEqual({ db: r.db, added: r.added, updated: r.updated, removed: r.removed, total: r.total }, { db: 'main', added: 3, updated: 0, removed: 0, total: 3 });
    assert.equal(r.cursor, `d.${srv.seq}`);
    assert.ok(r.durationMs >= 0);
    assert.deepEqual(progress, [
      { task: SYNC_TASK, done: 2, total: 3 },
      { task: SYNC_TASK, done: 3, total: 3 },
    ]);
    const st = offlineStatus({ home: ctx.home, server: srv.url, user: 'alice', db: 'main', device: ctx.device.id }, null);
    assert.equal(st.exists, true);
    assert.equal(st.records, 3);
    assert.equal(st.lastSync, new Date(ctx.now.value).toISOString());
    assert.equal(st.expiresAt, new Date(srv.now + 7 * 86_400_000).toISOString());
    assert.deepEqual(st.settings, { afterSave: true, afterLogin: true, intervalMinutes: 30, path: join(ctx.home.dir, 'offline') });
    // R12: nothing of the fixture in any file of the offline directory (db, -wal, sidecar, status).
    const dir = join(ctx.home.dir, 'offline');
    const files = readdirSync(dir);
    assert.ok(files.some((f) => f.endsWith('.sqlite')));
    for (const f of files) {
      const raw = readFileSync(join(dir, f));
      for (const rec of FIXTURE) {
        for (const v of [rec.name, rec.username, rec.url, rec.password]) assert.equal(raw.includes(v), false, `${v} found in ${f}`);
      }
    }
    // The copy opens offline and reads as online.
    const src = await openOfflineSource(ctx);
    assert.ok(src);
    t.after(() => src.close());
    const list = await src.list();
    assert.deepEqual(list.map((v) => v.name), FIXTURE.map((f) => f.name).sort());
    assert.equal(src.kind, 'offline');
  });

  test('R6: a masked record offline: secret available for copy, reveal refused; R5: sealed never stored', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const masked = makeWire(u, 'main', { name: 'Masked', password: 'pw-masked-1', masked: true });
    const maskedAuth = makeWire(u, 'main', { name: 'MaskedButAuthorize', password: 'pw-2', masked: true, rights: ['read', 'authorize', 'export'] });
    const sealed = makeWire(u, 'main', { name: 'Sealed', password: 'pw-3', sealed: true });
    for (const w of [masked, maskedAuth, sealed]) srv.put(w);
    await syncOffline(ctx, { create: true });
    const src = await openOfflineSource(ctx);
    assert.ok(src);
    t.after(() => src.close());
    const m = await src.get(masked.id);
    assert.equal(m.secret?.password, 'pw-masked-1');
    assert.equal(m.canReveal, false);
    const a = await src.get(maskedAuth.id);
    assert.equal(a.canReveal, true);
    await assert.rejects(src.get(sealed.id), (e: unknown) => e instanceof SafeholdError && e.code === 'not_found');
    assert.equal((await src.list()).some((v) => v.name === 'Sealed'), false);
  });

  test('delta: updates, removals, a record that became sealed is removed (E4/R5); counts', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const a = makeWire(u, 'main', { name: 'A' });
    const b = makeWire(u, 'main', { name: 'B' });
    const c = makeWire(u, 'main', { name: 'C' });
    for (const w of [a, b, c]) srv.put(w);
    await syncOffline(ctx, { create: true });
    srv.put(makeWire(u, 'main', { name: 'A2', id: a.id }));
    srv.remove(b.id);
    srv.put(makeWire(u, 'main', { name: 'C', id: c.id, sealed: true }));
    srv.put(makeWire(u, 'main', { name: 'D' }));
    const before = srv.syncRequests;
    const r = await syncOffline(ctx, { create: false });
    assert.ok(r);
    assert.deepEqual([r.added, r.updated, r.removed, r.total], [1, 1, 2, 2]);
    assert.equal(srv.log[before]?.cursor?.startsWith('d.'), true, 'a delta from the stored cursor');
    const src = await openOfflineSource(ctx);
    assert.ok(src);
    t.after(() => src.close());
    assert.deepEqual((await src.list()).map((v) => v.name), ['A2', 'D']);
    // A no-change sync transfers nothing.
    src.close();
    const r2 = await syncOffline(ctx, { create: false });
    assert.deepEqual([r2?.added, r2?.updated, r2?.removed, r2?.total], [0, 0, 0, 2]);
  });

  test('shared (HPKE) and role-held keys are re-wrapped under the user key and adopted in a batch', async (t) => {
    const { u, srv, ctx, role } = await setupOffline(t);
    const shared = makeWire(u, 'main', { name: 'Shared', password: 'pw-shared', holder: 'shared' });
    const viaRole = makeWire(u, 'main', { name: 'ViaRole', password: 'pw-role', holder: { role: 'ops', publicKey: role.publicKey } });
    srv.put(shared);
    srv.put(viaRole);
    await syncOffline(ctx, { create: true });
    const adopt = srv.log.find((l) => l.path === '/v1/db/main/keys/adopt');
    assert.ok(adopt, 'adoption was posted');
    const keys = (adopt.body as { keys: Array<{ record: string }> }).keys.map((k) => k.record).sort();
    assert.deepEqual(keys, [shared.id, viaRole.id].sort());
    // Offline unlock is symmetric only: the source gets the user key and nothing else.
    const src = await openOfflineSource(ctx);
    assert.ok(src);
    t.after(() => src.close());
    assert.equal((await src.get(shared.id)).secret?.password, 'pw-shared');
    assert.equal((await src.get(viaRole.id)).secret?.password, 'pw-role');
    const store = src.offline.store.getRecord(viaRole.id);
    assert.equal(store?.headerKey[0], 0x01, 'AEAD under the user key, not HPKE');
  });

  test('a lease not signed by the pinned key is refused and nothing is applied', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
    srv.put(makeWire(u, 'main', { name: 'B' }));
    srv.forgeLease = true;
    await assert.rejects(syncOffline(ctx, { create: false }), (e: unknown) => e instanceof SafeholdError && e.code === 'integrity');
    srv.forgeLease = false;
    const src = await openOfflineSource(ctx);
    assert.ok(src);
    t.after(() => src.close());
    assert.deepEqual((await src.list()).map((v) => v.name), ['A']);
    assert.ok(existsSync(target.paths.file));
  });

  test('a first sync whose first page never comes (refused, forged lease, connection lost) leaves no file behind', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
    const dir = join(ctx.home.dir, 'offline');
    // The rebuild and the sidecar are made while the first page is on its way (ADR 0144): a failed first page removes them.
    const left = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => !f.endsWith('.lock')) : []);
    const failures: Array<[string, () => void, () => void, string]> = [
      // First: killRequest counts the changes requests from the server's start.
      ['connection lost', () => (srv.killRequest = 1), () => (srv.killRequest = null), 'unreachable'],
      ['refused', () => (srv.refuse = { status: 403, code: 'forbidden' }), () => (srv.refuse = null), 'forbidden'],
      ['forged lease', () => (srv.forgeLease = true), () => (srv.forgeLease = false), 'integrity'],
    ];
    for (const [what, fail, heal, code] of failures) {
      fail();
      await assert.rejects(syncOffline(ctx, { create: true }), (e: unknown) => e instanceof SafeholdError && e.code === code, what);
      heal();
      assert.deepEqual(left(), [], `${what}: nothing left in the offline directory`);
      assert.equal(existsSync(target.paths.sidecar), false);
      assert.equal(existsSync(target.paths.build), false);
    }
    const r = await syncOffline(ctx, { create: true });
    assert.equal(r?.total, 1);
    assert.ok(existsSync(target.paths.sidecar));
    assert.equal(existsSync(target.paths.build), false);
  });

  test('E3: the server gone mid-sync leaves the applied pages with their cursor; the next sync resumes', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'seed' }));
    await syncOffline(ctx, { create: true });
    for (let i = 0; i < 5; i++) srv.put(makeWire(u, 'main', { name: `r${i}` }));
    const first = srv.syncRequests;
    srv.killRequest = first + 3; // the third page request of the next sync dies
    await assert.rejects(syncOffline(ctx, { create: false, limit: 2 }), (e: unknown) => e instanceof SafeholdError && e.code === 'unreachable');
    const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
    const src = await openOfflineSource(ctx);
    assert.ok(src);
    const mid = src.offline.store.meta();
    assert.equal(mid.records, 1 + 4, 'two pages of two applied');
    src.close();
    const r = await syncOffline(ctx, { create: false, limit: 2 });
    assert.ok(r);
    assert.equal(r.added, 1, 'only the missing record transferred');
    assert.equal(r.total, 6);
    const resumedFrom = srv.log.filter((l) => l.path.endsWith('/offline/changes')).at(-1)?.cursor;
    assert.equal(resumedFrom, mid.cursor);
    assert.ok(existsSync(target.paths.file));
  });

  test('E3: a reset builds a fresh file beside the old one; interrupted, the old one stays; then resumes and swaps', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    const keep = makeWire(u, 'main', { name: 'keep' });
    const drop = makeWire(u, 'main', { name: 'drop' });
    srv.put(keep);
    srv.put(drop);
    await syncOffline(ctx, { create: true });
    // Behind the client's back (change log lost): drop left, three new arrived, keep changed.
    srv.remove(drop.id);
    srv.put(makeWire(u, 'main', { name: 'keep2', id: keep.id }));
    for (let i = 0; i < 3; i++) srv.put(makeWire(u, 'main', { name: `n${i}` }));
    srv.forceReset = true;
    srv.killRequest = srv.syncRequests + 2;
    await assert.rejects(syncOffline(ctx, { create: false, limit: 2 }));
    const target = locate(ctx.home, srv.url, 'alice', 'main', ctx.device.id);
    assert.ok(existsSync(target.paths.build), 'a rebuild in progress');
    let src = await openOfflineSource(ctx);
    assert.ok(src);
    assert.deepEqual((await src.list()).map((v) => v.name), ['drop', 'keep'], 'the old copy is intact');
    src.close();
    srv.forceReset = false;
    const r = await syncOffline(ctx, { create: false, limit: 2 });
    assert.ok(r);
    assert.deepEqual([r.added, r.updated, r.removed, r.total], [3, 1, 1, 4]);
    assert.equal(srv.log.filter((l) => l.path.endsWith('/offline/changes')).at(-1)?.cursor?.startsWith('r.'), true, 'resumed inside the snapshot');
    assert.equal(existsSync(target.paths.build), false);
    src = await openOfflineSource(ctx);
    assert.ok(src);
    t.after(() => src?.close());
    assert.deepEqual((await src.list()).map((v) => v.name), ['keep2', 'n0', 'n1', 'n2']);
    assert.equal(byName(await src.list(), 'keep2').id, keep.id);
  });

  test('R9: a failing trigger is a warning, never an exception; after-save off does nothing', async (t) => {
    const { u, srv, ctx } = await setupOffline(t);
    srv.put(makeWire(u, 'main', { name: 'A' }));
    await syncOffline(ctx, { create: true });
    const warnings: string[] = [];
    const notices: string[] = [];
    ctx.events.on('warning', (w) => warnings.push(w.message));
    ctx.events.on('notice', (n) => notices.push(n.message));
    srv.put(makeWire(u, 'main', { name: 'B' }));
    await runOfflineTrigger(ctx, 'after-save');
    assert.deepEqual(notices, ['offline sync completed: 1 added, 0 updated, 0 removed, 2 total']);
    await srv.stop();
    await runOfflineTrigger(ctx, 'after-save');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /offline sync \(after-save\) failed/);
    const { changeSettings } = await import('./manage.js');
    changeSettings(ctx.home, ctx.account.server, 'alice', ctx.device.id, { afterSave: false });
    await runOfflineTrigger(ctx, 'after-save');
    assert.equal(warnings.length, 1, 'setting off: not even an attempt');
  });
});
