/**
 * 0006_arch_grant_rights_mask on both backends: existing comma lists (in every spelling the old parsers
 * disagreed on) become the mask the one resolver reads; down converts back; the export index exists.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { RIGHT_BIT as R, rightsOfMask } from '@safehold/domain';
import { forEachBackend, openTestStorage } from '@safehold/testkit';
import { migrateTo, migrateToLatest } from './migrations.js';
import { rightsFor } from '../repositories/access.js';

const id = () => randomBytes(16).toString('base64url');

/** Stored list -> mask after the migration. 'read, export' is what the old server parser read as read only. */
const CASES: ReadonlyArray<[string, number]> = [
  ['read,export', R.read | R.export],
  ['read, export', R.read | R.export],
  [' read , write ', R.read | R.write],
  ['export,read,bogus', R.read | R.export],
  ['read,,write,delete,authorize', R.read | R.write | R.delete | R.authorize],
  ['READ', 0],
  ['', 0],
];

forEachBackend('migration 0006_arch_grant_rights_mask', (backend) => {
  let st: Awaited<ReturnType<typeof openTestStorage>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the pre-0006 schema is not the typed one
  let raw: Kysely<any>;
  before(async () => {
    st = await openTestStorage(backend);
    raw = st.storage.db;
  });
  after(() => st?.close());

  test('down converts masks to lists; up converts every old spelling with the one parser; the export index exists', async () => {
    const kept = id();
    await raw.insertInto('grants').values({ record_id: kept, holder_kind: 'user', holder_id: 'u', rights_mask: R.read | R.write }).execute();

    await migrateTo(raw, st.storage.dialect, '0005_impexp_record_sources');
    const down = await raw.selectFrom('grants').select('rights').where('record_id', '=', kept).executeTakeFirstOrThrow();
    assert.equal(down.rights, 'read,write');

    const dbId = id();
    const bob = id();
    const rows = CASES.map(([rights]) => ({ record_id: id(), holder_kind: 'user', holder_id: bob, rights }));
    await raw.insertInto('grants').values(rows).execute();
    for (const r of rows) {
      await raw
        .insertInto('records')
        .values({ id: r.record_id, db_id: dbId, revision: id(), creator_id: 'alice', created_at: 1, updated_at: 1, updated_by: 'alice', masked: 0, sealed: 0, header: 'h', secret: 's', deleted_at: null, change_seq: 1 })
        .execute();
    }

    assert.deepEqual(await migrateToLatest(raw, st.storage.dialect), ['0006_arch_grant_rights_mask']);
    const after = new Map(
      (await raw.selectFrom('grants').select(['record_id', 'rights_mask']).execute()).map((r) => [r.record_id as string, Number(r.rights_mask)]),
    );
    assert.equal(after.get(kept), R.read | R.write, 'a round trip keeps the rights');
    rows.forEach((r, i) => assert.equal(after.get(r.record_id), CASES[i]?.[1], `stored ${JSON.stringify(r.rights)}`));
    await assert.rejects(raw.selectFrom('grants').select('rights').execute(), 'the comma list column is gone');

    // What the resolver answers on the converted rows (the old syncwire and rights.ts parsers disagreed on 'read, export').
    const got = await rightsFor(st.storage.db, { userId: bob, dbId }, rows.map((r) => r.record_id));
    assert.deepEqual(rightsOfMask(got.get(rows[1]?.record_id ?? '')?.mask ?? 0), ['read', 'export']);
    assert.equal(got.has(rows[5]?.record_id ?? ''), false, 'unknown words grant nothing');

    const idx =
      st.storage.dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and name = 'grants_export'`.execute(raw)
        : await sql<{ name: string }>`select indexname as name from pg_indexes where indexname = 'grants_export'`.execute(raw);
    assert.equal(idx.rows.length, 1);
  });
});
