/**
 * 0005_impexp_record_sources: which record an import made from which source, per database and user,
 * so that importing the same file again adds nothing (issue 15). `source` is the client's HMAC tag of
 * the source id (the server learns nothing about the file from it).
 */
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
type AnyDb = Kysely<any>;

export const m0005ImpexpRecordSources = (): Migration => ({
  async up(db: AnyDb) {
    await db.schema
      .createTable('record_sources')
      .addColumn('db_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('record_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('record_sources_pk', ['db_id', 'user_id', 'source'])
      .execute();
    await db.schema.createIndex('record_sources_record').on('record_sources').column('record_id').execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('record_sources').ifExists().execute();
  },
});
