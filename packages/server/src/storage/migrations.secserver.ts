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

export const SECSERVER_MIGRATIONS: ReadonlyArray<[string, (dialect: Dialect) => Migration]> = [
  ['0002_secserver_1_release_kind', releaseKind],
  ['0002_secserver_2_users_name_live', usersNameLive],
];

/** 64-bit integers for times (epoch ms overflows int4 in PostgreSQL). */
export function bigint(dialect: Dialect): ColumnDataType {
  return dialect === 'postgres' ? 'bigint' : 'integer';
}
