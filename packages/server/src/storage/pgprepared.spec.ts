/**
 * Named prepared statements on PostgreSQL: a data statement of bounded shape is prepared once per
 * connection and reused; id lists past the parameter bound and DDL are never named. Plain named reads
 * outside a transaction share the pipelined connections; everything else keeps a pool connection.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { openTestStorage } from '@safehold/testkit';
import { PIPES, PIPE_DEPTH } from './pgprepared.js';

describe('PostgreSQL prepared statements', () => {
  let st: Awaited<ReturnType<typeof openTestStorage>>;
  before(async () => {
    st = await openTestStorage('postgres');
  });
  after(() => st?.close());

  test('bounded data statements are named and reused on their connection; long id lists and DDL are not', async () => {
    await st.storage.db.transaction().execute(async (trx) => {
      const one = () => trx.selectFrom('users').select('id').where('name', '=', 'nobody').execute();
      await one();
      await one();
      const ids = Array.from({ length: 40 }, (_, i) => `id${i}`);
      await trx.selectFrom('users').select('id').where('id', 'in', ids).execute();
      await sql`create temporary table repos_prepared_probe (x integer)`.execute(trx);
      const named = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx);
      const users = named.rows.filter((r) => r.statement.includes(`"users"`) && r.statement.startsWith('select'));
      assert.equal(users.length, 1, `one named statement for the two identical lookups: ${JSON.stringify(named.rows.map((r) => r.statement))}`);
      assert.match(users[0]?.name ?? '', /^sh_/);
      assert.doesNotMatch(users[0]?.statement ?? '', / in \(/, 'the 40-id list went unnamed');
      assert.equal(named.rows.some((r) => /create temporary/i.test(r.statement)), false, 'DDL is never named');
    });
  });

  test('a named statement answers like an unnamed one: its parameters bound each time, bigint parsed to number', async () => {
    const db = st.storage.db;
    for (const [name, seq] of [['probe-a', 2 ** 40], ['probe-b', 7]] as const) {
      await db.insertInto('databases').values({ id: name, name, offline: 0, seq, created_at: Date.UTC(2026, 0, 1) }).execute();
    }
    const q = (name: string) => db.selectFrom('databases').select(['id', 'seq']).where('name', '=', name).execute();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await q('probe-a'), [{ id: 'probe-a', seq: 2 ** 40 }]);
      assert.deepEqual(await q('probe-b'), [{ id: 'probe-b', seq: 7 }]);
      assert.deepEqual(await q('none'), []);
    }
  });

  // The backend that answered: a named plain read (no parameters, bounded shape).
  const pid = (db = st.storage.db) => sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db).then((r) => r.rows[0]!.pid);
  const inTransaction = () => st.storage.db.transaction().execute((trx) => pid(trx));

  test('plain reads outside a transaction share at most PIPES connections; a transaction keeps its own', async () => {
    const shared = new Set(await Promise.all(Array.from({ length: 50 }, () => pid())));
    assert.ok(shared.size >= 1 && shared.size <= PIPES, `reads went to ${shared.size} backends`);
    const own = new Set(await Promise.all(Array.from({ length: 5 }, () => inTransaction())));
    for (const p of own) assert.equal(shared.has(p), false, 'a transaction ran on a shared connection');
    // A locking read is never pipelined (it may wait for a row lock and stall the reads behind it);
    // the databases rows are the ones the test above made.
    const locking = await sql<{ pid: number }>`select pg_backend_pid() as pid from databases limit 1 for update`.execute(st.storage.db);
    assert.equal(shared.has(locking.rows[0]!.pid), false, 'a locking read ran on a shared connection');
  });

  test('more reads in flight than the shared connections take go to the pool, and all answer', async () => {
    const pids = await Promise.all(Array.from({ length: PIPES * PIPE_DEPTH + 50 }, () => pid()));
    const shared = new Set(await Promise.all(Array.from({ length: 20 }, () => pid())));
    assert.ok(pids.some((p) => !shared.has(p)), 'the overflow went to pool connections');
  });

  test('a transaction reads its own writes; a shared read does not see them before commit', async () => {
    const db = st.storage.db;
    const row = (name: string) => db.selectFrom('databases').select('name').where('name', '=', name).executeTakeFirst();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('databases').values({ id: 'pipe-tx', name: 'pipe-tx', offline: 0, seq: 0, created_at: 1 }).execute();
      assert.deepEqual(await trx.selectFrom('databases').select('name').where('name', '=', 'pipe-tx').executeTakeFirst(), { name: 'pipe-tx' });
      assert.equal(await row('pipe-tx'), undefined, 'not committed yet');
    });
    assert.deepEqual(await row('pipe-tx'), { name: 'pipe-tx' });
  });

  test('an error fails its own pipelined read only', async () => {
    const div = (n: number) => sql<{ q: number }>`select 10 / ${n}::int as q`.execute(st.storage.db).then((r) => r.rows[0]!.q);
    const results = await Promise.allSettled([div(2), div(0), div(5), div(0), div(1)]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      [5, 'division by zero', 2, 'division by zero', 10],
    );
    assert.equal(await div(10), 1);
  });

  test('a shared connection that is lost fails its reads and is replaced', async () => {
    const shared = new Set(await Promise.all(Array.from({ length: 50 }, () => pid())));
    const admin = new pg.Client({ connectionString: st.databaseUrl! });
    await admin.connect();
    try {
      for (const p of shared) await admin.query('select pg_terminate_backend($1)', [p]);
    } finally {
      await admin.end();
    }
    // The reads in flight on a killed connection fail (as on a killed pool connection); later ones
    // reach new shared connections.
    let answered: number | null = null;
    for (let i = 0; i < 50 && answered === null; i++) {
      answered = await pid().catch(async () => {
        await new Promise((r) => setTimeout(r, 20));
        return null;
      });
    }
    assert.ok(answered !== null, 'reads answer again');
    const now = new Set(await Promise.all(Array.from({ length: 50 }, () => pid())));
    for (const p of now) assert.equal(shared.has(p), false, 'a terminated backend answered');
    assert.ok(now.size <= PIPES);
  });
});
