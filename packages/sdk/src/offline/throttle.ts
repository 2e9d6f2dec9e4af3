/**
 * Offline unlock throttling: after repeated wrong master passwords for an offline unlock, each new
 * attempt must wait, doubling each time (an honest-client measure: see the ADR's limits; the real
 * protection of the file is Argon2id on the master password).
 */
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { readJson, removeIfExists, writeJson } from '@safehold/store';
import type { Home } from '../home.js';

/** Failures allowed before delays start. */
export const FREE_ATTEMPTS = 5;
/** First delay after the free attempts; doubles per further failure, at most MAX_DELAY_MS. */
export const BASE_DELAY_MS = 30_000;
export const MAX_DELAY_MS = 60 * 60_000;

interface ThrottleFile {
  failures: number;
  lastFailureAt: number;
}

function file(home: Home, server: string, user: string): string {
  return join(home.accountDir(server, user), 'offline-unlock-throttle.json');
}

/** Delay required after `failures` consecutive failures. */
export function delayAfter(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(20, failures - FREE_ATTEMPTS));
}

/** Throws offline_locked (exit 6) with the wait when an attempt is not allowed yet. */
export function checkThrottle(home: Home, server: string, user: string, now: number): void {
  const t = readJson<ThrottleFile>(file(home, server, user));
  if (!t) return;
  const until = t.lastFailureAt + delayAfter(t.failures);
  // A clock earlier than the last failure also waits (it cannot be used to skip the delay).
  if (now < until) {
    const secs = Math.ceil((until - Math.max(now, t.lastFailureAt)) / 1000);
    throw new SafeholdError('offline_locked', `too many wrong master passwords for the offline database: try again in ${secs} s`, { retryAfterSeconds: secs });
  }
}

/** Records the outcome of an offline unlock attempt. */
export function noteUnlock(home: Home, server: string, user: string, ok: boolean, now: number): void {
  const p = file(home, server, user);
  if (ok) {
    removeIfExists(p);
    return;
  }
  const t = readJson<ThrottleFile>(p) ?? { failures: 0, lastFailureAt: 0 };
  writeJson(p, { failures: t.failures + 1, lastFailureAt: Math.max(now, t.lastFailureAt) });
}
