/**
 * Versioned schema migrations, the same for SQLite and PostgreSQL (Kysely Migrator with an in-code
 * provider, so the compiled binary needs no migration files on disk). Times and counters are
 * bigint in PostgreSQL (epoch ms overflows int4); SQLite's integer is 64-bit already.
 * Never edit a released migration: add the next one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider, type ColumnDataType } from 'kysely';
import { SafeholdError } from '@safehold/protocol';
import { m0005ImpexpRecordSources } from './migration-0005-impexp.js';
import { m0006ArchGrantRightsMask } from './migration-0006-arch.js';
import { SECSERVER_MIGRATIONS } from './migrations.secserver.js';
import { m0007SyncOfflineGone } from './migration-0007-sync.js';

type Dialect = 'sqlite' | 'postgres';

/** A migration that knows the dialect (for bigint vs integer). */
type DialectMigration = (dialect: Dialect) => Migration;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
type AnyDb = Kysely<any>;

const m0001: DialectMigration = (dialect) => {
  // 64-bit integers for times, counters and cursors.
  const big: ColumnDataType = dialect === 'postgres' ? 'bigint' : 'integer';
  const int: ColumnDataType = 'integer';
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('server_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('databases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('offline', int, (c) => c.notNull().defaultTo(0))
        .addColumn('seq', big, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('admin', int, (c) => c.notNull().defaultTo(0))
        .addColumn('kdf', 'text')
        .addColumn('auth_hash', 'text')
        .addColumn('user_key_enc', 'text')
        .addColumn('public_key', 'text')
        .addColumn('private_key_enc', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('removed_at', big)
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('offline_right', int, (c) => c.notNull().defaultTo(0))
        .addColumn('offline_days', int, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['db_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();

      await db.schema
        .createTable('invites')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('used_at', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('invites_user').on('invites').column('user_id').execute();

      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('last_seen_at', big, (c) => c.notNull())
        .addColumn('revoked_at', big)
        .addPrimaryKeyConstraint('devices_pk', ['id', 'user_id'])
        .execute();
      await db.schema.createIndex('devices_user').on('devices').column('user_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('last_seen_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_device').on('sessions').column('device_id').execute();

      await db.schema
        .createTable('login_failures')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('count', int, (c) => c.notNull())
        .addColumn('window_start', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('masked', int, (c) => c.notNull().defaultTo(0))
        .addColumn('sealed', int, (c) => c.notNull().defaultTo(0))
        .addColumn('header', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('deleted_at', big)
        .addColumn('change_seq', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('records_db_change').on('records').columns(['db_id', 'change_seq']).execute();
      await db.schema.createIndex('records_creator').on('records').columns(['creator_id']).execute();

      await db.schema
        .createTable('revisions')
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'text', (c) => c.notNull())
        .addColumn('base_revision', 'text')
        .addColumn('header', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('revisions_pk', ['record_id', 'revision'])
        .execute();

      await db.schema
        .createTable('grants')
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('holder_kind', 'text', (c) => c.notNull())
        .addColumn('holder_id', 'text', (c) => c.notNull())
        .addColumn('rights', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('grants_pk', ['record_id', 'holder_kind', 'holder_id'])
        .execute();
      await db.schema.createIndex('grants_holder').on('grants').columns(['holder_kind', 'holder_id']).execute();

      await db.schema
        .createTable('record_keys')
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('holder_kind', 'text', (c) => c.notNull())
        .addColumn('holder_id', 'text', (c) => c.notNull())
        .addColumn('header_key', 'text', (c) => c.notNull())
        .addColumn('secret_key', 'text')
        .addPrimaryKeyConstraint('record_keys_pk', ['record_id', 'holder_kind', 'holder_id'])
        .execute();
      await db.schema.createIndex('record_keys_holder').on('record_keys').columns(['holder_kind', 'holder_id']).execute();

      await db.schema
        .createTable('roles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addUniqueConstraint('roles_db_name', ['db_id', 'name'])
        .execute();

      await db.schema
        .createTable('role_members')
        .addColumn('role_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('member_key', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('role_members_pk', ['role_id', 'user_id'])
        .execute();
      await db.schema.createIndex('role_members_user').on('role_members').column('user_id').execute();

      await db.schema
        .createTable('seals')
        .addColumn('record_id', 'text', (c) => c.primaryKey())
        .addColumn('approvers', 'text', (c) => c.notNull())
        .addColumn('required', int, (c) => c.notNull())
        .addColumn('window_minutes', int, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('releases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('approved_at', big)
        .addColumn('expires_at', big)
        .addColumn('cancelled', int, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('releases_record').on('releases').column('record_id').execute();
      await db.schema.createIndex('releases_db').on('releases').column('db_id').execute();

      await db.schema
        .createTable('release_approvals')
        .addColumn('release_id', 'text', (c) => c.notNull())
        .addColumn('approver_id', 'text', (c) => c.notNull())
        .addColumn('at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('release_approvals_pk', ['release_id', 'approver_id'])
        .execute();

      await db.schema
        .createTable('changes')
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('seq', big, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text')
        .addColumn('role_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('changes_pk', ['db_id', 'seq'])
        .execute();

      await db.schema
        .createTable('audit')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', big, (c) => c.notNull())
        .addColumn('db', 'text')
        .addColumn('actor', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_at').on('audit').column('at').execute();
      await db.schema.createIndex('audit_db_at').on('audit').columns(['db', 'at']).execute();

      await db.schema
        .createTable('offline_devices')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('cursor', big, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('last_sync_at', big, (c) => c.notNull())
        .addColumn('last_seen_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('offline_devices_pk', ['device_id', 'user_id', 'db_id'])
        .execute();
      await db.schema.createIndex('offline_devices_db').on('offline_devices').column('db_id').execute();

      await db.schema
        .createTable('offline_held')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('offline_held_pk', ['device_id', 'user_id', 'db_id', 'record_id'])
        .execute();
      await db.schema.createIndex('offline_held_record').on('offline_held').columns(['db_id', 'record_id']).execute();
    },
    async down(db: AnyDb) {
      for (const t of [
        'offline_held', 'offline_devices', 'audit', 'changes', 'release_approvals', 'releases', 'seals',
        'role_members', 'roles', 'record_keys', 'grants', 'revisions', 'records', 'login_failures', 'sessions',
        'devices', 'invites', 'memberships', 'users', 'databases', 'server_meta',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
};

/**
 * Issue 12.2: users publish an Ed25519 signing key (derived by their client from the user key), and a role's
 * public key carries a signature by its creator (or a member who re-keys it). Both nullable: existing users
 * upload their key, and creators sign their existing roles, at their client's next contact.
 */
const m0003SecclientRoleSignatures: DialectMigration = () => ({
  async up(db: AnyDb) {
    await db.schema.alterTable('users').addColumn('signing_key', 'text').execute();
    await db.schema.alterTable('roles').addColumn('key_signature', 'text').execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('roles').dropColumn('key_signature').execute();
    await db.schema.alterTable('users').dropColumn('signing_key').execute();
  },
});

/**
 * Offline edits (E5): the second part of the offline right (`memberships.offline_edits`), revisions kept
 * in history as the losing side of a conflict (`revisions.conflict`), and the operation ids of pushed
 * offline changes with their outcome, so a retried push is applied once (`offline_ops`).
 */
const m0004OffeditsOfflineEdits: DialectMigration = (dialect) => {
  const big: ColumnDataType = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('memberships').addColumn('offline_edits', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('revisions').addColumn('conflict', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('offline_ops')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('op_id', 'text', (c) => c.notNull())
        .addColumn('db_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('revision', 'text')
        .addColumn('at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('offline_ops_pk', ['user_id', 'op_id'])
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('offline_ops').ifExists().execute();
      await db.schema.alterTable('revisions').dropColumn('conflict').execute();
      await db.schema.alterTable('memberships').dropColumn('offline_edits').execute();
    },
  };
};

/** Every migration in order. Names sort lexically; add new ones at the end. */
const MIGRATIONS: ReadonlyArray<[string, DialectMigration]> = [
  ['0001_initial', m0001],
  ...SECSERVER_MIGRATIONS,
  ['0003_secclient_role_signatures', m0003SecclientRoleSignatures],
  ['0004_offedits_offline_edits', m0004OffeditsOfflineEdits],
  ['0005_impexp_record_sources', m0005ImpexpRecordSources],
  ['0006_arch_grant_rights_mask', m0006ArchGrantRightsMask],
  ['0007_sync_1_offline_gone', m0007SyncOfflineGone],
];

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, make] of MIGRATIONS) out[name] = make(this.dialect);
    return out;
  }
}

/** Applies every pending migration; returns the names applied now. Safe when several processes race (Kysely's lock). */
export async function migrateToLatest(db: AnyDb, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    throw new SafeholdError('internal', `storage migration failed: ${error instanceof Error ? error.message : String(error)}`, undefined, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrates up or down to exactly `name` (tests of a migration's conversion of existing rows; operators never need it). */
export async function migrateTo(db: AnyDb, dialect: Dialect, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: new InCodeProvider(dialect) }).migrateTo(name);
  if (error) throw new SafeholdError('internal', `storage migration to ${name} failed`, undefined, { cause: error });
}

/** Names of all migrations this build knows. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([n]) => n);
