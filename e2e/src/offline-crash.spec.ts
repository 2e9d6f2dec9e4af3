/**
 * Offline e2e, E3 with a real server and the real client: kill -9 the client in the middle of a sync
 * (the first one, which builds beside the live place and swaps in, and a delta), then resume.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Home, openSession, createRecord, zeroContext } from '@safehold/sdk';
import { World, CLIENT_BIN } from './offline-harness.js';

async function bulkAdd(w: World, user: string, from: number, n: number): Promise<void> {
  const ctx = await openSession({ home: new Home(w.home(user)), password: async () => w.password(user) });
  try {
    for (let i = from; i < from + n; i++) await createRecord(ctx, { name: `bulk-${String(i).padStart(5, '0')}`, password: `pw-${i}` });
  } finally {
    zeroContext(ctx);
  }
}

/** Starts `safehold offline sync --limit N` and kills it with SIGKILL as soon as `ready()` holds. */
function syncAndKill(w: World, user: string, limit: number, ready: () => boolean): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLIENT_BIN, 'offline', 'sync', '--limit', String(limit)], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH, SAFEHOLD_HOME: w.home(user), HOME: join(w.dir, `hh-${user}`), SAFEHOLD_PASSWORD: w.password(user) },
    });
    let killed = false;
    const timer = setInterval(() => {
      if (!killed && ready()) {
        killed = p.kill('SIGKILL');
        clearInterval(timer);
      }
    }, 5);
    p.on('error', reject);
    p.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

describe('offline e2e: interrupted syncs (E3)', () => {
  test('kill -9 during the first sync and during a delta: a consistent file every time, and the next sync resumes', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'main', { offlineDays: 3 });
    await bulkAdd(w, 'alice', 0, 300);
    const dir = join(w.home('alice'), 'offline');
    const file = (suffix: string) => w.offlineFiles('alice').find((f) => f.endsWith(suffix)) ?? join(dir, `none${suffix}`);

    // 1. The first sync builds in a rebuild file: killed there, no offline database exists yet.
    const first = await syncAndKill(w, 'alice', 10, () => existsSync(file('.rebuild.sqlite')));
    assert.equal(first.killed, true);
    assert.equal(w.offlineFiles('alice').some((f) => f.endsWith('.sqlite') && !f.endsWith('.rebuild.sqlite')), false, 'no half-made offline database');
    const none = await w.client('alice', ['--offline', 'list']);
    assert.equal(none.code, 6);
    const done = await w.ok('alice', ['offline', 'sync', '--limit', '50', '--json']);
    assert.equal(done.json.total, 300);
    assert.equal(done.json.added, 300);
    assert.equal(existsSync(file('.rebuild.sqlite')), false);

    // 2. A delta of 200 in pages of 10, killed once the live file's WAL has grown: whole pages only.
    await w.ok('alice', ['offline', 'settings', '--after-save', 'off']);
    await bulkAdd(w, 'alice', 300, 200);
    const wal = `${file('.sqlite')}-wal`;
    const second = await syncAndKill(w, 'alice', 10, () => existsSync(wal) && statSync(wal).size > 64 * 1024);
    assert.equal(second.killed, true);
    const mid = await w.ok('alice', ['--offline', 'list', '--json']);
    const n = (mid.json.records as unknown[]).length;
    assert.ok(n >= 300 && n < 500, `between the old and the new state: ${n}`);
    assert.equal((n - 300) % 10, 0, 'whole pages of 10 applied, never a part of one');
    const resumed = await w.ok('alice', ['offline', 'sync', '--json']);
    assert.equal(resumed.json.total, 500);
    assert.equal(resumed.json.added, 500 - n, 'only what was missing is transferred');
  });
});
