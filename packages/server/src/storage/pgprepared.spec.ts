/**
 * Named prepared statements on PostgreSQL: a data statement of bounded shape is prepared once per
 * connection and reused; id lists past the parameter bound and DDL are never named.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openTestStorage } from '@safehold/testkit';

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
});
