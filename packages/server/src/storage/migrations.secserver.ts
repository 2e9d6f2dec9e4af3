/**
 * Migrations of the security fixes of issue 12 (server side). Appended after 0001_initial in MIGRATIONS;
 * names sort lexically in the order they are applied.
 */
import { sql, type ColumnDataType, type Kysely, type Migration } from 'kysely';

type Dialect = 'sqlite' | 'postgres';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
type AnyDb = Kysely<any>;

/** 12.1: a release is for reading a sealed secret ('read', every release so far) or for lifting the seal ('unseal'). */
const releaseKind = (): Migration => ({
  async up(db: AnyDb) {
    await db.schema.alterTable('releases').addColumn('kind', 'text', (c) => c.notNull().defaultTo('read')).execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('releases').dropColumn('kind').execute();
  },
});

/**
 * 12.7: a removed user's name may be given to a new user, so user names are unique among live users
 * only (a partial unique index). SQLite cannot drop an inline UNIQUE: the table is rebuilt from its own
 * stored definition (so columns that other migrations added survive) without that one keyword.
 */
const usersNameLive = (dialect: Dialect): Migration => ({
  async up(db: AnyDb) {
    if (dialect === 'postgres') {
      await sql`alter table users drop constraint if exists users_name_key`.execute(db);
    } else {
      const def = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'users'`.execute(db);
      const create = def.rows[0]?.sql ?? '';
      const rebuilt = create.replace(/("name"\s+text\s+not null)\s+unique/i, '$1');
      if (rebuilt === create) throw new Error('users table: the unique name column was not found');
      const indexes = await sql<{ sql: string | null }>`select sql from sqlite_master where type = 'index' and tbl_name = 'users'`.execute(db);
      await sql.raw(rebuilt.replace(/^create table\s+"?users"?/i, 'create table "users_v2"')).execute(db);
      await sql`insert into users_v2 select * from users`.execute(db);
      await sql`drop table users`.execute(db);
      await sql`alter table users_v2 rename to users`.execute(db);
      for (const i of indexes.rows) if (i.sql) await sql.raw(i.sql).execute(db);
    }
    await db.schema.createIndex('users_name_live').on('users').column('name').unique().where(sql.ref('removed_at'), 'is', null).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('users_name_live').execute();
  },
});

/**
 * 12.3-12.5: device keys, offline database instances and stored wipe orders.
 * - devices.public_key: the device's Ed25519 key for that account (null for devices registered before
 *   this migration until their next login or sync: PUT /v1/me/device-key);
 * - offline_devices.instance_id: the offline database instance (with created_at), given to existing
 *   rows here and carried in leases and wipe orders;
 * - wipe_orders: an order stays until the device acknowledges it; delivery and acknowledgement are
 *   stamped (and audited) separately.
 */
const deviceKeysAndOrders = (dialect: Dialect): Migration => ({
  async up(db: AnyDb) {
    const big = bigint(dialect);
    await db.schema.alterTable('devices').addColumn('public_key', 'text').execute();
    await db.schema.alterTable('offline_devices').addColumn('instance_id', 'text').execute();
    const fresh = dialect === 'postgres' ? sql`md5(random()::text || clock_timestamp()::text || device_id || db_id)` : sql`lower(hex(randomblob(16)))`;
    await sql`update offline_devices set instance_id = ${fresh} where instance_id is null`.execute(db);
    await db.schema
      .createTable('wipe_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('db_id', 'text', (c) => c.notNull())
      .addColumn('instance_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('records', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('issued_at', big, (c) => c.notNull())
      .addColumn('delivered_at', big)
      .addColumn('acknowledged_at', big)
      .addColumn('superseded_at', big)
      .execute();
    await db.schema.createIndex('wipe_orders_device').on('wipe_orders').columns(['device_id', 'user_id']).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('wipe_orders').ifExists().execute();
    await db.schema.alterTable('offline_devices').dropColumn('instance_id').execute();
    await db.schema.alterTable('devices').dropColumn('public_key').execute();
  },
});

export const SECSERVER_MIGRATIONS: ReadonlyArray<[string, (dialect: Dialect) => Migration]> = [
  ['0002_secserver_1_release_kind', releaseKind],
  ['0002_secserver_2_users_name_live', usersNameLive],
  ['0002_secserver_3_device_keys_wipe_orders', deviceKeysAndOrders],
];

/** 64-bit integers for times (epoch ms overflows int4 in PostgreSQL). */
export function bigint(dialect: Dialect): ColumnDataType {
  return dialect === 'postgres' ? 'bigint' : 'integer';
}
