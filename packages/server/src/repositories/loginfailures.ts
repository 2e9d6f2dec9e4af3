/** Failed-login counters (login_failures): fixed windows per key, shared by every server process. */
import { sql } from 'kysely';
import type { Conn } from './db.js';

export async function failureRows(db: Conn, keys: readonly string[]) {
  return db.selectFrom('login_failures').select(['key', 'count', 'window_start']).where('key', 'in', [...keys]).execute();
}

export async function failureRow(db: Conn, key: string) {
  return db.selectFrom('login_failures').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
}

/** Counts one attempt against `key` in its window of `windowMs` (atomic upsert; both dialects). */
export async function bumpFailure(db: Conn, key: string, now: number, windowMs: number) {
  return db
    .insertInto('login_failures')
    .values({ key, count: 1, window_start: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when login_failures.window_start + ${windowMs} <= ${now} then 1 else login_failures.count + 1 end`,
        window_start: sql<number>`case when login_failures.window_start + ${windowMs} <= ${now} then ${now} else login_failures.window_start end`,
      }),
    )
    .returning(['count', 'window_start'])
    .executeTakeFirstOrThrow();
}

export async function clearFailures(db: Conn, keys: readonly string[]): Promise<void> {
  await db.deleteFrom('login_failures').where('key', 'in', [...keys]).execute();
}

/** Deletes counters whose window started before `before`; returns how many. */
export async function deleteFailuresBefore(db: Conn, before: number): Promise<number> {
  const res = await db.deleteFrom('login_failures').where('window_start', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
