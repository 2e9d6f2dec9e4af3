/**
 * The SQLite server's one connection is handed over in arrival order (open.ts, ImmediateSqliteDriver): many
 * concurrent transactions and plain queries, some arriving while others wait, each get the connection in the
 * order they asked for it, none is lost, and a transaction's own queries run on it without waiting behind
 * the queue (no deadlock).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openTestStorage } from '@safehold/testkit';
import type { Storage } from './open.js';

let st: { storage: Storage; close(): Promise<void> };
before(async () => {
  st = await openTestStorage('sqlite');
  await sql`CREATE TABLE queue_probe (n INTEGER NOT NULL)`.execute(st.storage.db);
});
after(async () => {
  await st?.close();
});

test('transactions get the connection in the order they asked for it, later arrivals after earlier ones', async () => {
  const db = st.storage.db;
  const acquired: number[] = [];
  const run = (n: number): Promise<void> =>
    db.transaction().execute(async (trx) => {
      acquired.push(n);
      await sql`SELECT count(*) FROM queue_probe`.execute(trx);
      // An await inside the transaction (other requests queue meanwhile), then the transaction's own write.
      await new Promise((r) => setImmediate(r));
      await sql`INSERT INTO queue_probe (n) VALUES (${n})`.execute(trx);
    });
  const first = Array.from({ length: 150 }, (_, i) => run(i));
  // A second wave arrives while the first waits.
  await new Promise((r) => setImmediate(r));
  const second = Array.from({ length: 150 }, (_, i) => run(150 + i));
  // Plain queries queue with them and are answered too.
  const reads = Array.from({ length: 50 }, () => sql`SELECT 1 AS one`.execute(db));
  await Promise.all([...first, ...second, ...reads]);
  assert.deepEqual(acquired, Array.from({ length: 300 }, (_, i) => i), 'arrival order');
  const rows = await sql<{ c: number }>`SELECT count(*) AS c FROM queue_probe`.execute(db);
  assert.equal(Number(rows.rows[0]?.c), 300, 'every transaction committed');
});

test('a failed transaction releases the connection to the next in line', async () => {
  const db = st.storage.db;
  const failing = db.transaction().execute(async (trx) => {
    await sql`INSERT INTO queue_probe (n) VALUES (-1)`.execute(trx);
    throw new Error('planted');
  });
  const next = db.transaction().execute(async (trx) => sql`SELECT count(*) AS c FROM queue_probe WHERE n = -1`.execute(trx));
  await assert.rejects(failing, /planted/);
  const r = await next;
  assert.equal(Number((r.rows[0] as { c: number }).c), 0, 'the failed transaction rolled back, and the next one ran');
});

test('back-to-back queries let the event loop turn: the connection is handed over in time slices', async () => {
  // better-sqlite3 answers synchronously: without slices a run of awaited queries never gives the event loop
  // a turn (no socket is read, no connection accepted) until it ends. The loop below stops as soon as a
  // setImmediate callback has run, or after 2 s of queries without one.
  const db = st.storage.db;
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  const start = performance.now();
  let queries = 0;
  while (!turned && performance.now() - start < 2000) {
    await sql`SELECT 1 AS one`.execute(db);
    queries++;
  }
  assert.ok(turned, `the event loop turned during ${queries} back-to-back queries`);
  assert.ok(queries > 0, 'queries ran before the turn');
});
