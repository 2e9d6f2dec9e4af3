/**
 * Issue 17, crash safety of the client: the real `safehold` killed with SIGKILL at seeded random points
 * of a first sync, a delta sync, an offline-edit push and a wipe. After every kill the offline file
 * either does not exist or opens and passes SQLite's integrity check (corrupt files: 0); the next sync
 * resumes and the offline copy then equals the server (syncs resumed correctly: all); every queued
 * offline edit reaches the server exactly once (lost acknowledged records: 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRecord, editRecord, listRecords, recordHistory, removeRecord } from '@safehold/sdk';
import { World } from '../offline-harness.js';
import { bothSides, offlineNames, offlineState, runAndKill, timeOf, withSession } from './crashkit.js';
import { SEED, figure, prng, progress, sized } from './size.js';
import { assertNoSecrets } from './secrets.js';

const POINTS = sized(3, 100);
const RECORDS = sized(60, 300);

interface Tally {
  points: number;
  killedMidway: number;
  corrupt: number;
  resumed: number;
  lost: number;
  problems: string[];
  seconds: number;
}

const tally = (): Tally => ({ points: 0, killedMidway: 0, corrupt: 0, resumed: 0, lost: 0, problems: [], seconds: 0 });

async function afterKill(w: World, t: Tally, what: string, killed: boolean): Promise<void> {
  t.points++;
  if (killed) t.killedMidway++;
  const st = await offlineState(w, 'alice');
  if (!['ok', 'none', 'wiped'].includes(st)) {
    t.corrupt++;
    t.problems.push(`${what}: offline file ${st}`);
  }
}

test('kill -9 the client at random points of a first sync, a delta, an offline-edit push and a wipe', { timeout: 60 * 60_000 }, async (tc) => {
  const w = await World.create(tc);
  const rnd = prng(SEED);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  await w.newUser('alice', 'main', { offlineDays: 3 });
  await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
  const passwords: string[] = [w.password('alice')];
  await withSession(w, 'alice', async (ctx) => {
    for (let i = 0; i < RECORDS; i++) {
      passwords.push(`Crash-Pass-${i}-x7`);
      await createRecord(ctx, { name: `rec-${String(i).padStart(4, '0')}`, password: `Crash-Pass-${i}-x7` });
    }
  });
  const sync = ['offline', 'sync', '--limit', '10'];
  const offlineDir = join(w.home('alice'), 'offline');
  const dFirst = await timeOf(w, 'alice', sync);
  await w.ok('alice', ['offline', 'settings', '--after-save', 'off']);

  // 1. First sync: the offline copy removed each time, so the next sync builds it from nothing.
  const first = tally();
  let online: string[] | undefined;
  let p = progress('client-crash-first', POINTS);
  for (let i = 0; i < POINTS; i++) {
    p.tick();
    rmSync(offlineDir, { recursive: true, force: true });
    const k = await runAndKill(w, 'alice', sync, Math.floor(rnd() * dFirst));
    await afterKill(w, first, `first sync #${i}`, k.killed);
    await w.ok('alice', ['offline', 'sync']);
    // The server's side does not change in this part: read once (an unlock less per point).
    online ??= (await bothSides(w, 'alice')).online;
    const s = { online, offline: await offlineNames(w, 'alice') };
    if (s.offline.join() === s.online.join()) first.resumed++;
    else first.problems.push(`first sync #${i}: resumed copy differs (${s.offline.length} vs ${s.online.length})`);
  }

  first.seconds = p.done();

  // 2. Delta: new, edited and removed records online, then a sync killed midway.
  const delta = tally();
  let next = RECORDS;
  // How long a run of the client takes (the kill points are spread over twice that), measured once.
  const d = await timeOf(w, 'alice', ['offline', 'status']);
  p = progress('client-crash-delta', POINTS);
  for (let i = 0; i < POINTS; i++) {
    p.tick();
    await withSession(w, 'alice', async (ctx) => {
      const some = (await listRecords(ctx)).slice(0, 3);
      for (const r of some) await editRecord(ctx, r.id, { notes: `edited ${i}` });
      if (some[0]) await removeRecord(ctx, some[0].id);
      for (let j = 0; j < 20; j++) await createRecord(ctx, { name: `rec-${String(next++).padStart(4, '0')}`, password: `Delta-${next}` });
    });
    const k = await runAndKill(w, 'alice', sync, Math.floor(rnd() * (d * 2 + 200)));
    await afterKill(w, delta, `delta #${i}`, k.killed);
    await w.ok('alice', ['offline', 'sync']);
    const s = await bothSides(w, 'alice');
    if (s.offline.join() === s.online.join()) delta.resumed++;
    else delta.problems.push(`delta #${i}: resumed copy differs (${s.offline.length} vs ${s.online.length})`);
  }

  delta.seconds = p.done();

  // 3. Offline-edit push: queued edits (acknowledged locally), a sync killed midway, then resumed.
  const push = tally();
  const targets = (await bothSides(w, 'alice')).online.slice(0, 5);
  const ids = await withSession(w, 'alice', async (ctx) => (await listRecords(ctx)).filter((r) => targets.includes(r.name)).map((r) => r.id));
  p = progress('client-crash-push', POINTS);
  for (let i = 0; i < POINTS; i++) {
    p.tick();
    await withSession(w, 'alice', async (ctx) => {
      for (let round = 0; round < 4; round++) for (const id of ids) await editRecord(ctx, id, { password: `q${i}-${round}-${id.slice(0, 4)}` }, { offline: true });
    });
    const k = await runAndKill(w, 'alice', ['offline', 'sync'], Math.floor(rnd() * 1500));
    await afterKill(w, push, `push #${i}`, k.killed);
    const r = await w.ok('alice', ['offline', 'sync', '--json']);
    if (r.json.conflicts + r.json.rejected > 0) push.problems.push(`push #${i}: ${r.json.conflicts} conflicts, ${r.json.rejected} rejected`);
    await withSession(w, 'alice', async (ctx) => {
      for (const id of ids) {
        const h = await recordHistory(ctx, id, { reveal: true });
        const mine = h.revisions.map((x) => x.password).filter((p) => p?.startsWith(`q${i}-`));
        if (h.revisions[0]?.password !== `q${i}-3-${id.slice(0, 4)}` || new Set(mine).size !== 4 || mine.length !== 4) {
          push.lost++;
          push.problems.push(`push #${i}: record ${id.slice(0, 4)} has ${mine.length} of the 4 queued edits`);
        }
      }
    });
    const s = await bothSides(w, 'alice');
    if (s.offline.join() === s.online.join()) push.resumed++;
  }

  push.seconds = p.done();

  // 4. Wipe: the right withdrawn, the sync that carries the order killed midway; the next contact finishes it.
  const wipe = tally();
  p = progress('client-crash-wipe', POINTS);
  for (let i = 0; i < POINTS; i++) {
    p.tick();
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline', 'off');
    const k = await runAndKill(w, 'alice', ['offline', 'sync'], Math.floor(rnd() * 1200));
    await afterKill(w, wipe, `wipe #${i}`, k.killed);
    const again = await w.client('alice', ['offline', 'sync']);
    const gone = w.offlineFiles('alice').filter((f) => f.endsWith('.sqlite') || f.endsWith('.key.json'));
    if ([5, 6].includes(again.code) && gone.length === 0) wipe.resumed++;
    else wipe.problems.push(`wipe #${i}: exit ${again.code}, ${gone.length} offline file(s) left`);
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline', 'on');
    await w.ok('alice', ['offline', 'sync']);
  }
  wipe.seconds = p.done();

  for (const [part, t] of Object.entries({ first, delta, push, wipe })) {
    figure(`client-crash-${part}`, { points: t.points, killedMidway: t.killedMidway, corruptFiles: t.corrupt, lostAcknowledged: t.lost, resumedCorrectly: t.resumed, seconds: t.seconds });
  }
  const problems = [first, delta, push, wipe].flatMap((t) => t.problems);
  assert.deepEqual(problems, []);
  for (const t of [first, delta, push, wipe]) assert.equal(t.resumed, POINTS);
  assertNoSecrets(w, { passwords });
});
