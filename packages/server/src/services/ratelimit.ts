/**
 * Failed-login limits (issue 12.8), kept in the login_failures table so that every server process on
 * one database counts together. Fixed windows: the first failure opens a window of `windowMs`.
 *  - per (user, address) and per address: once the count reaches its limit, attempts are refused
 *    (rate_limited) until the window ends — only the guessing address is shut out;
 *  - per user name over all addresses: never refused; past `userSlowdownAfter` failures each attempt
 *    waits, doubling from `slowdownBaseMs` up to `slowdownCapMs`, so the right password from a fresh
 *    address always gets in, a little late at worst;
 *  - per address for registrations with a bad invite (`registerFailures`).
 * Successful logins are never counted; a success clears its (user, address) count and the user's.
 */
import { SafeholdError } from '@safehold/protocol';
import type { Conn } from '../repositories/db.js';
import * as L from '../repositories/loginfailures.js';
import { sleepOn, type Clock } from '../clock.js';
import type { RateLimits } from '../config.js';

export const userKey = (name: string): string => `user:${name}`;
export const addressKey = (address: string): string => `addr:${address}`;
export const pairKey = (name: string, address: string): string => `pair:${address}|${name}`;
export const registerKey = (address: string): string => `reg:${address}`;

function limited(retryMs: number): SafeholdError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000));
  return new SafeholdError('rate_limited', `too many failed attempts from this address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/** Throws rate_limited (with retryAfterSeconds) when any of `keys` has reached its limit in its window. */
async function assertUnder(db: Conn, clock: Clock, limits: RateLimits, keys: Array<[string, number]>): Promise<void> {
  const now = clock.now();
  const rows = await L.failureRows(db, keys.map(([k]) => k));
  let retryMs = 0;
  for (const r of rows) {
    const limit = keys.find(([k]) => k === r.key)?.[1] ?? Infinity;
    const end = Number(r.window_start) + limits.windowMs;
    if (end > now && r.count >= limit) retryMs = Math.max(retryMs, end - now);
  }
  if (retryMs > 0) throw limited(retryMs);
}

/** Throws rate_limited when this (user, address) pair or this address is blocked; the user name alone never is. */
export async function assertNotLimited(db: Conn, clock: Clock, limits: RateLimits, user: string, address: string): Promise<void> {
  await assertUnder(db, clock, limits, [
    [pairKey(user, address), limits.userFailures],
    [addressKey(address), limits.addressFailures],
  ]);
}

/** Throws rate_limited when this address has used up its failed registrations. */
export async function assertRegisterAllowed(db: Conn, clock: Clock, limits: RateLimits, address: string): Promise<void> {
  await assertUnder(db, clock, limits, [[registerKey(address), limits.registerFailures]]);
}

/** Counts a failed registration against the address. */
export async function recordRegisterFailure(db: Conn, clock: Clock, limits: RateLimits, address: string): Promise<void> {
  await bump(db, clock.now(), limits, registerKey(address));
}

/** Counts one attempt against `key` in its window (atomic upsert; both dialects); returns the count and window start. */
async function bump(db: Conn, now: number, limits: RateLimits, key: string): Promise<{ count: number; windowStart: number }> {
  const row = await L.bumpFailure(db, key, now, limits.windowMs);
  return { count: Number(row.count), windowStart: Number(row.window_start) };
}

/**
 * Counts an attempt against the (user, address) pair BEFORE its auth key is checked, so that concurrent
 * guesses cannot all pass `assertNotLimited` while the slow verification runs: at most `userFailures`
 * attempts per window and pair get checked, however many arrive at once. A success clears the count.
 */
export async function claimUserAttempt(db: Conn, clock: Clock, limits: RateLimits, user: string, address: string): Promise<void> {
  const now = clock.now();
  const { count, windowStart } = await bump(db, now, limits, pairKey(user, address));
  if (count > limits.userFailures) throw limited(windowStart + limits.windowMs - now);
}

/** The wait before checking an attempt for `user`: 0 up to `userSlowdownAfter` failures, then doubling to the cap. */
export function slowdownMs(limits: RateLimits, failures: number): number {
  if (failures < limits.userSlowdownAfter) return 0;
  const exp = Math.min(30, failures - limits.userSlowdownAfter);
  return Math.min(limits.slowdownCapMs, limits.slowdownBaseMs * 2 ** exp);
}

/** Slows an attempt for a user name that others keep failing at (never refuses: 12.8). */
export async function slowDown(db: Conn, clock: Clock, limits: RateLimits, user: string): Promise<void> {
  const row = await L.failureRow(db, userKey(user));
  if (!row || Number(row.window_start) + limits.windowMs <= clock.now()) return;
  const wait = slowdownMs(limits, Number(row.count));
  if (wait > 0) await sleepOn(clock, wait);
}

/**
 * Counts one failed login against the user name (slow-down) and the address. The address is counted
 * only after a failure: successful logins from one address are never limited.
 */
export async function recordFailure(db: Conn, clock: Clock, limits: RateLimits, user: string, address: string): Promise<void> {
  const now = clock.now();
  await bump(db, now, limits, userKey(user));
  await bump(db, now, limits, addressKey(address));
}

/** A successful login clears its pair and the user's slow-down (the address keeps its count: one good user must not unlock spraying). */
export async function clearUserFailures(db: Conn, user: string, address: string): Promise<void> {
  await L.clearFailures(db, [userKey(user), pairKey(user, address)]);
}

/**
 * Login attempts for one (user name, address) run one at a time in this process, so that a burst of
 * concurrent attempts is checked and counted in order: guesses cannot overtake the count, and
 * legitimate concurrent logins of one account queue (each a few tens of ms) instead of being refused.
 * Keyed by the pair, not the name alone: guesses from elsewhere (slowed down) must not queue the owner
 * behind them. claimUserAttempt keeps the count exact across processes. Module state on purpose: the queue must
 * be shared by every app of the process; entries are removed when their last attempt ends.
 */
const userQueues = new Map<string, Promise<void>>();

export async function oneAttemptAtATime<T>(user: string, fn: () => Promise<T>): Promise<T> {
  const prev = userQueues.get(user) ?? Promise.resolve();
  const run = prev.then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  userQueues.set(user, tail);
  try {
    return await run;
  } finally {
    if (userQueues.get(user) === tail) userQueues.delete(user);
  }
}
