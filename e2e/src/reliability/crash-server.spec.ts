/**
 * Issue 17, crash safety of the server: `safehold-server` killed with SIGKILL at seeded random points
 * while clients write. Every write the server acknowledged (an answer 200 reached the client) is there
 * after the restart (lost acknowledged records: 0); the storage opens; an offline client that synced
 * before each kill resumes with a delta and ends equal to the server (no change skipped or repeated).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Home, createRecord, listRecords, openSession, zeroContext } from '@safehold/sdk';
import { World } from '../offline-harness.js';
import { bothSides, withSession } from './crashkit.js';
import { SEED, figure, prng, progress, sized } from './size.js';
import { assertNoSecrets } from './secrets.js';

const POINTS = sized(3, 100);
const WRITERS = 4;

test('kill -9 the server at random points under write load: no acknowledged write lost, syncs resume', { timeout: 60 * 60_000 }, async (tc) => {
  const w = await World.create(tc);
  const rnd = prng(SEED ^ 0x5eed);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  const users = ['alice', 'bob', 'carol', 'dave'].slice(0, WRITERS);
  for (const u of users) await w.newUser(u, 'main', { offlineDays: 3 });
  await w.ok('alice', ['offline', 'sync']);
  await w.ok('alice', ['offline', 'settings', '--after-save', 'off']);
  const acknowledged = new Set<string>();
  let inFlightFailed = 0;
  let lostTotal = 0;
  let resumed = 0;
  const problems: string[] = [];

  const p = progress('server-crash', POINTS);
  for (let i = 0; i < POINTS; i++) {
    p.tick();
    let stop = false;
    // Sessions are opened first, so the kill lands among writes and not among unlocks.
    const ctxs = await Promise.all(users.map((u) => openSession({ home: new Home(w.home(u)), password: async () => w.password(u) })));
    const writers = ctxs.map(async (ctx, n) => {
      for (let j = 0; !stop; j++) {
        const name = `p${i}-${users[n]}-${j}`;
        try {
          await createRecord(ctx, { name, password: `Srv-${n}-${j}` });
          acknowledged.add(name);
        } catch {
          inFlightFailed++;
          return; // the server is gone: this writer stops until the restart
        }
      }
    });
    await new Promise((r) => setTimeout(r, 150 + Math.floor(rnd() * 1500)));
    await w.killServer();
    stop = true;
    await Promise.all(writers);
    ctxs.forEach((c) => zeroContext(c));
    await w.startServer();
    const onServer = new Set<string>();
    for (const u of users) for (const r of await withSession(w, u, (ctx) => listRecords(ctx))) onServer.add(r.name);
    const lost = [...acknowledged].filter((n) => !onServer.has(n));
    lostTotal += lost.length;
    if (lost.length > 0) problems.push(`kill #${i}: ${lost.length} acknowledged record(s) lost`);
    await w.ok('alice', ['offline', 'sync']);
    const s = await bothSides(w, 'alice');
    if (s.offline.join() === s.online.join()) resumed++;
    else problems.push(`kill #${i}: alice's delta ended at ${s.offline.length} records, the server has ${s.online.length}`);
  }
  const seconds = p.done();
  const health = await fetch(`${w.url}/v1/health`);
  figure('server-crash', { points: POINTS, acknowledgedWrites: acknowledged.size, lostAcknowledged: lostTotal, inFlightFailed, syncsResumedCorrectly: resumed, seconds });
  assert.equal(health.status, 200);
  assert.deepEqual(problems, []);
  assert.equal(resumed, POINTS);
  assert.ok(acknowledged.size > POINTS, `writes happened (${acknowledged.size})`);
  assertNoSecrets(w, { passwords: [...users.map((u) => w.password(u)), 'Srv-0-0', 'Srv-1-1'] });
});
