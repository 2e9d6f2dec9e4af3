/**
 * Offline edits (E5) interrupted: the client killed with SIGKILL in the middle of a push, and the server
 * going away in the middle of one; the next sync resumes with no change lost and none applied twice.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Home, openSession, createRecord, editRecord, recordHistory, zeroContext, type ClientContext } from '@safehold/sdk';
import { World, CLIENT_BIN } from './offline-harness.js';

const RECORDS = 10;
const ROUNDS = 25;

async function withCtx<T>(w: World, user: string, f: (ctx: ClientContext) => Promise<T>): Promise<T> {
  const ctx = await openSession({ home: new Home(w.home(user)), password: async () => w.password(user) });
  try {
    return await f(ctx);
  } finally {
    zeroContext(ctx);
  }
}

/** Queues RECORDS x ROUNDS offline edits (password `r<round>-<i>`), in rounds. */
async function queueEdits(w: World, ids: string[], from: number): Promise<void> {
  await withCtx(w, 'alice', async (ctx) => {
    for (let round = from; round < from + ROUNDS; round++) {
      for (const [i, id] of ids.entries()) await editRecord(ctx, id, { password: `r${round}-${i}` }, { offline: true });
    }
  });
}

function pendingNow(w: World): number {
  const f = w.offlineFiles('alice').find((x) => x.endsWith('.status.json'));
  try {
    return f ? ((JSON.parse(readFileSync(f, 'utf8')) as { pending?: number }).pending ?? 0) : 0;
  } catch {
    return -1; // being rewritten
  }
}

/** Runs `safehold offline sync`; calls `interrupt` once the first batch settled (pending below `total`). */
function syncInterrupted(w: World, total: number, interrupt: (p: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; fired: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLIENT_BIN, 'offline', 'sync'], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH, SAFEHOLD_HOME: w.home('alice'), HOME: join(w.dir, 'hh-alice'), SAFEHOLD_PASSWORD: w.password('alice') },
    });
    let fired = false;
    const timer = setInterval(() => {
      const n = pendingNow(w);
      if (!fired && n >= 0 && n < total) {
        fired = true;
        clearInterval(timer);
        interrupt(p);
      }
    }, 2);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, fired });
    });
  });
}

async function assertServerState(w: World, ids: string[], rounds: number): Promise<void> {
  await withCtx(w, 'alice', async (ctx) => {
    for (const [i, id] of ids.entries()) {
      const h = await recordHistory(ctx, id, { reveal: true });
      assert.equal(h.revisions.length, 1 + rounds, `record ${i}: every queued edit applied exactly once`);
      assert.equal(h.revisions[0]?.password, `r${rounds - 1}-${i}`, `record ${i}: the last edit is current`);
      const seen = new Set(h.revisions.map((r) => r.password));
      for (let round = 0; round < rounds; round++) assert.ok(seen.has(`r${round}-${i}`), `record ${i}: edit ${round} is in history`);
    }
  });
}

describe('offline edits e2e: interrupted pushes (E5)', () => {
  test('kill -9 mid-push, then the server gone mid-push: resumed with no duplicate and no loss', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'main', { offlineDays: 3 });
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
    const ids = await withCtx(w, 'alice', async (ctx) => {
      const out: string[] = [];
      for (let i = 0; i < RECORDS; i++) out.push((await createRecord(ctx, { name: `rec-${i}`, password: 'start' })).id);
      return out;
    });
    await w.ok('alice', ['offline', 'sync']);
    const total = RECORDS * ROUNDS;

    // 1. SIGKILL once the first batch of changes is settled.
    await queueEdits(w, ids, 0);
    assert.equal(pendingNow(w), total);
    const killed = await syncInterrupted(w, total, (p) => p.kill('SIGKILL'));
    assert.equal(killed.fired, true);
    assert.equal(killed.signal, 'SIGKILL', 'killed mid-push');
    const left = pendingNow(w);
    assert.ok(left > 0 && left < total, `some pushed, some left (${left})`);
    const resumed = await w.ok('alice', ['offline', 'sync', '--json']);
    assert.ok(resumed.json.pushed >= left && resumed.json.pushed <= left + 100, `the rest pushed (${resumed.json.pushed})`);
    assert.equal(resumed.json.conflicts + resumed.json.rejected, 0);
    await assertServerState(w, ids, ROUNDS);

    // 2. The server goes away once the first batch is settled.
    await queueEdits(w, ids, ROUNDS);
    const gone = await syncInterrupted(w, total, () => void w.stopServer());
    assert.equal(gone.fired, true);
    assert.ok(gone.code === 7 || gone.code === 1, `the sync failed as the server went (exit ${gone.code})`);
    const left2 = pendingNow(w);
    assert.ok(left2 > 0 && left2 < total, `some pushed, some left (${left2})`);
    await w.startServer();
    const again = await w.ok('alice', ['offline', 'sync', '--json']);
    assert.equal(again.json.conflicts + again.json.rejected, 0);
    await assertServerState(w, ids, 2 * ROUNDS);
    const local = await w.ok('alice', ['--offline', 'list', '--json']);
    assert.equal(local.json.records.length, RECORDS);
    assert.equal(local.json.records.some((r: { pending?: boolean }) => r.pending), false);
  });
});
