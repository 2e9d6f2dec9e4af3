/**
 * 0007_sync_1_offline_gone: the ids a sync page removed from a device's held set, with the position of
 * the end of that page (domain `positionOf`, docs/adr/0060-sync-core.md). While a request of the device
 * starts before that end the answer may have been lost, and the page names them again. Rows the
 * device has moved past are deleted by its next delta page.
 */
import type { Kysely, Migration } from 'kysely';
import { bigint } from './migrations.secserver.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
type AnyDb = Kysely<any>;

export const m0007SyncOfflineGone = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb) {
    await db.schema
      .createTable('offline_gone')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('db_id', 'text', (c) => c.notNull())
      .addColumn('record_id', 'text', (c) => c.notNull())
      .addColumn('gone_pos', bigint(dialect), (c) => c.notNull())
      .addPrimaryKeyConstraint('offline_gone_pk', ['device_id', 'user_id', 'db_id', 'record_id'])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('offline_gone').ifExists().execute();
  },
});
