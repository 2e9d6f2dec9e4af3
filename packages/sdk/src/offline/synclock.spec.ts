import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { withSyncLock } from './synclock.js';

function dir(t: { after: (f: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'safehold-synclock-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('a second sync of the same offline database waits for the first, then runs', async (t) => {
  const lock = join(dir(t), 'offline', 'main.alice.x.sync.lock');
  const order: string[] = [];
  let release!: () => void;
  const first = withSyncLock(lock, async () => {
    order.push('first:start');
    assert.equal(statSync(lock).mode & 0o777, 0o600);
    await new Promise<void>((r) => (release = r));
    order.push('first:end');
  });
  await new Promise((r) => setTimeout(r, 20));
  let waited = 0;
  const second = withSyncLock(
    lock,
    async () => {
      order.push('second:start');
    },
    { onWait: () => waited++ },
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(order, ['first:start'], 'the second has not started while the first runs');
  assert.equal(waited, 1, 'the second was told once that it waits');
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first:start', 'first:end', 'second:start']);
  assert.ok(!existsSync(lock), 'the lock is removed after the sync');
});

test('a sync that waited too long reports that one is running (conflict, exit 8)', async (t) => {
  const lock = join(dir(t), 'x.sync.lock');
  let release!: () => void;
  const first = withSyncLock(lock, () => new Promise<void>((r) => (release = r)));
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(
    withSyncLock(lock, async () => assert.fail('must not run'), { waitMs: 200 }),
    (e: unknown) => e instanceof SafeholdError && e.code === 'conflict' && e.exitCode === 8 && /already running \(process \d+\)/.test(e.message),
  );
  release();
  await first;
});

test('a lock left by a process that died is taken over; one that throws still releases it', async (t) => {
  const lock = join(dir(t), 'x.sync.lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(lock, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), at: Date.now() }));
  let ran = false;
  await withSyncLock(lock, async () => {
    ran = true;
  }, { waitMs: 0 });
  assert.ok(ran);
  await assert.rejects(withSyncLock(lock, async () => {
    throw new Error('boom');
  }), /boom/);
  assert.ok(!existsSync(lock));
});
