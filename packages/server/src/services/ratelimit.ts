/**
 * Failed-login limits per user name and per client address, kept in the login_failures table so
 * that every server process on one database counts together. Fixed windows: the first failure
 * opens a window of `windowMs`; once `count` reaches the limit, attempts are refused until it ends.
 * Successful logins are never counted; a success clears the user's counter.
 */
import { sql, type Kysely } from 'kysely';
import { SafeholdError } from '@safehold/protocol';
import type { Tables } from '../storage/schema.js';
import type { Clock } from '../clock.js';
import type { RateLimits } from '../config.js';

export const userKey = (name: string): string => `user:${name}`;
export const addressKey = (address: string): string => `addr:${address}`;

/** Throws SafeholdError('rate_limited', ..., { retryAfterSeconds }) when the user or the address is blocked. */
export async function assertNotLimited(
  db: Kysely<Tables>,
  clock: Clock,
  limits: RateLimits,
  user: string,
  address: string,
): Promise<void> {
  const now = clock.now();
  const rows = await db
    .selectFrom('login_failures')
    .select(['key', 'count', 'window_start'])
    .where('key', 'in', [userKey(user), addressKey(address)])
    .execute();
  let retryMs = 0;
  for (const r of rows) {
    const limit = r.key.startsWith('user:') ? limits.userFailures : limits.addressFailures;
    const end = Number(r.window_start) + limits.windowMs;
    if (end > now && r.count >= limit) retryMs = Math.max(retryMs, end - now);
  }
  if (retryMs > 0) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000));
    throw new SafeholdError('rate_limited', `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

/** Counts one attempt against `key` in its window (atomic upsert; both dialects); returns the count and window start. */
async function bump(db: Kysely<Tables>, now: number, limits: RateLimits, key: string): Promise<{ count: number; windowStart: number }> {
  const row = await db
    .insertInto('login_failures')
    .values({ key, count: 1, window_start: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when login_failures.window_start + ${limits.windowMs} <= ${now} then 1 else login_failures.count + 1 end`,
        window_start: sql<number>`case when login_failures.window_start + ${limits.windowMs} <= ${now} then ${now} else login_failures.window_start end`,
      }),
    )
    .returning(['count', 'window_start'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), windowStart: Number(row.window_start) };
}

/**
 * Counts an attempt against the user BEFORE its auth key is checked, so that concurrent guesses cannot
 * all pass `assertNotLimited` while the slow verification runs: at most `userFailures` attempts per
 * window get checked, however many arrive at once. A success clears the count (clearUserFailures).
 */
export async function claimUserAttempt(db: Kysely<Tables>, clock: Clock, limits: RateLimits, user: string): Promise<void> {
  const now = clock.now();
  const { count, windowStart } = await bump(db, now, limits, userKey(user));
  if (count > limits.userFailures) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + limits.windowMs - now) / 1000));
    throw new SafeholdError('rate_limited', `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

/**
 * Counts one failed login against the address (and the user, unless claimUserAttempt already counted it).
 * The address is counted only after a failure: successful logins from one address are never limited.
 */
export async function recordFailure(
  db: Kysely<Tables>,
  clock: Clock,
  limits: RateLimits,
  user: string,
  address: string,
  opts: { userClaimed?: boolean } = {},
): Promise<void> {
  const now = clock.now();
  if (!opts.userClaimed) await bump(db, now, limits, userKey(user));
  await bump(db, now, limits, addressKey(address));
}

/** A successful login clears the user's failures (the address keeps its count: one good user must not unlock spraying). */
export async function clearUserFailures(db: Kysely<Tables>, user: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', userKey(user)).execute();
}

/**
 * Login attempts for one user name run one at a time in this process, so that a burst of concurrent
 * attempts is checked and counted in order: guesses cannot overtake the count, and legitimate
 * concurrent logins of one account queue (each a few tens of ms) instead of being refused.
 * claimUserAttempt keeps the count exact across processes. Module state on purpose: the queue must
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
