/**
 * One sync at a time per offline database, whoever starts it (the UI, `safehold agent`, a CLI command, or
 * two triggers of one process): an exclusive lock file beside the database. A second sync waits for the
 * first (triggers and commands are short), and reports that one is running when the wait is too long.
 * A lock left by a process that died is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import type { OfflineTarget } from './locate.js';

/** Past this age a lock of another host is taken as stale (a sync of 100k records takes seconds). */
const STALE_MS = 15 * 60_000;

/** The lock file of an offline database. */
export function syncLockPath(t: Pick<OfflineTarget, 'paths'>): string {
  return join(t.paths.dir, `${t.paths.base}.sync.lock`);
}

interface LockInfo {
  pid: number;
  host: string;
  at: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

function stale(path: string, now: number): boolean {
  const h = holder(path);
  if (!h || typeof h.pid !== 'number') {
    // Half-written by a holder that just created it, or garbage: stale only when old.
    try {
      return now - statSync(path).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
  if (h.host === hostname()) return !alive(h.pid);
  return now - h.at > STALE_MS;
}

export interface SyncLockOptions {
  /** How long a second sync waits for the first; default 120 s. */
  waitMs?: number;
  /** Told once when the sync has to wait. */
  onWait?: (pid: number | null) => void;
}

/** Runs `f` holding the sync lock at `path`. */
export async function withSyncLock<T>(path: string, f: () => Promise<T>, o: SyncLockOptions = {}): Promise<T> {
  const deadline = Date.now() + (o.waitMs ?? 120_000);
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  let fd: number | null = null;
  let told = false;
  while (fd === null) {
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (stale(path, Date.now())) {
        rmSync(path, { force: true });
        continue;
      }
      const pid = holder(path)?.pid ?? null;
      if (Date.now() >= deadline) {
        throw new SafeholdError('conflict', `an offline sync of this database is already running${pid ? ` (process ${pid})` : ''}: try again when it has finished`);
      }
      if (!told) {
        told = true;
        o.onWait?.(pid);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() } satisfies LockInfo));
    return await f();
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
