/**
 * Issue 17, bad input on disk: the offline files truncated, bit-flipped at seeded random places, and
 * swapped between two users of one device. Opening them with the real client (`safehold --offline
 * list`) must end in a clear exit 6 (or, for a flip SQLite never reads, exit 0 with the very same
 * records); never a crash (exit 1, a stack trace), never a secret in what it prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { World } from '../offline-harness.js';
import { SEED, figure, prng, progress, sized } from './size.js';
import { assertNoSecrets } from './secrets.js';

const FLIPS = sized(6, 200);

test('truncated, bit-flipped and swapped offline files: exit 6, never a crash or a secret', { timeout: 60 * 60_000 }, async (tc) => {
  const w = await World.create(tc);
  const rnd = prng(SEED ^ 0xc0ffee);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  const home = w.home('alice');
  await w.newUser('alice', 'main', { offlineDays: 3 });
  await w.newUser('bob', 'main', { offlineDays: 3, home }); // the same device: one home, two accounts
  const secrets = [w.password('alice'), w.password('bob')];
  for (let i = 0; i < 30; i++) {
    secrets.push(`Disk-Secret-${i}-q`);
    await w.add('alice', ['--user', 'alice', '--name', `disk-${i}`, '--password', `Disk-Secret-${i}-q`, '--notes', `note ${'n'.repeat(200)}`]);
  }
  await w.ok('alice', ['--user', 'alice', 'offline', 'sync']);
  await w.ok('bob', ['--user', 'bob', 'offline', 'sync'], { home });
  await w.stopServer();
  const files = w.offlineFiles('alice');
  const of = (user: string, suffix: string) => files.find((f) => f.endsWith(suffix) && f.includes(user)) as string;
  const aliceDb = of('alice', '.sqlite');
  const aliceKey = of('alice', '.key.json');
  const bobDb = of('bob', '.sqlite');
  const bobKey = of('bob', '.key.json');
  assert.ok(aliceDb && aliceKey && bobDb && bobKey, `offline files: ${files.join(', ')}`);
  const original = new Map([aliceDb, aliceKey, bobDb, bobKey].map((f) => [f, readFileSync(f)]));
  const restore = () => original.forEach((bytes, f) => writeFileSync(f, bytes));
  const good = await w.ok('alice', ['--user', 'alice', '--offline', 'list', '--json']);

  const counts = { cases: 0, exit6: 0, harmless: 0, bad: 0 };
  const bad: string[] = [];
  const p = progress('corrupt-offline-files', 6 + FLIPS + 3 + sized(4, 50) + 3);
  const open = async (what: string) => {
    p.tick();
    counts.cases++;
    const r = await w.client('alice', ['--user', 'alice', '--offline', 'list', '--json']);
    const printed = r.stdout + r.stderr;
    const leaked = secrets.filter((s) => printed.includes(s));
    const crashed = /\n\s+at .+:\d+:\d+/.test(r.stderr) || /TypeError|RangeError|SqliteError|ReferenceError/.test(r.stderr);
    if (r.code === 6 && !crashed && leaked.length === 0 && /offline/i.test(r.stderr)) counts.exit6++;
    else if (r.code === 0 && r.stdout === good.stdout && leaked.length === 0) counts.harmless++;
    else {
      counts.bad++;
      bad.push(`${what}: exit ${r.code}${crashed ? ' (crash)' : ''}${leaked.length ? ' (secret printed)' : ''}: ${r.stderr.slice(0, 200)}`);
    }
    restore();
    // A refused open may count as a wrong password; start each case from a clean throttle.
    for (const f of w.offlineFiles('alice').filter((x) => x.endsWith('.throttle.json'))) writeFileSync(f, '{}');
  };

  const db = original.get(aliceDb) as Buffer;
  for (const size of [0, 1, 100, 4096, Math.floor(db.length / 2), db.length - 1]) {
    writeFileSync(aliceDb, db.subarray(0, size));
    await open(`database truncated to ${size}`);
  }
  for (let i = 0; i < FLIPS; i++) {
    const copy = Buffer.from(db);
    const at = Math.floor(rnd() * copy.length);
    copy[at] = (copy[at] as number) ^ (1 << Math.floor(rnd() * 8));
    writeFileSync(aliceDb, copy);
    await open(`database bit ${at} flipped`);
  }
  const key = original.get(aliceKey) as Buffer;
  for (const size of [0, 10, Math.floor(key.length / 2)]) {
    writeFileSync(aliceKey, key.subarray(0, size));
    await open(`key file truncated to ${size}`);
  }
  for (let i = 0; i < sized(4, 50); i++) {
    const copy = Buffer.from(key);
    const at = Math.floor(rnd() * copy.length);
    copy[at] = (copy[at] as number) ^ (1 << Math.floor(rnd() * 7));
    writeFileSync(aliceKey, copy);
    await open(`key file byte ${at} flipped`);
  }
  copyFileSync(bobDb, aliceDb);
  await open("bob's database in alice's place");
  copyFileSync(bobKey, aliceKey);
  await open("bob's key file in alice's place");
  copyFileSync(bobDb, aliceDb);
  copyFileSync(bobKey, aliceKey);
  await open("bob's database and key file in alice's place");

  figure('corrupt-offline-files', { ...counts, seconds: p.done() });
  assert.deepEqual(bad, []);
  assertNoSecrets(w, { passwords: secrets });
});
