/**
 * Backup and restore of the server's storage (spec §3.1, docs/adr/0090-backup-restore.md).
 *  - SQLite: SQLite's online backup API (better-sqlite3 `db.backup()`) into a temp file beside FILE,
 *    checked with `PRAGMA integrity_check`, made 0600 and renamed into place: a consistent copy while
 *    servers run. Restore copies FILE back with the same API (so the live file's locks and WAL are honoured).
 *  - PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, online) and
 *    `pg_restore --clean --if-exists --single-transaction`.
 * After a restore every database's change counter jumps by RESTORE_SEQ_GAP and its change log is marked
 * pruned up to the new counter, so every cursor a client got before the restore (from the backup's past
 * or from the lost future) is answered with a reset, never with a delta that skips changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { SafeholdError } from '@safehold/protocol';
import type { Kysely } from 'kysely';
import type { Tables } from './schema.js';
import { openStorage, type OpenStorageOptions } from './open.js';
import { MIGRATION_NAMES } from './migrations.js';

/**
 * How far a restore moves every change counter. Larger than any number of changes a database can take
 * between a backup and its restore, so no cursor handed out before the restore reaches the new counter;
 * 2^53 leaves room for thousands of restores.
 */
export const RESTORE_SEQ_GAP = 1_000_000_000_000;

export interface BackupResult {
  file: string;
  backend: 'sqlite' | 'postgres';
  bytes: number;
}

export interface RestoreResult extends BackupResult {
  databases: number;
}

const sqliteFile = (dataDir: string): string => path.join(dataDir, 'safehold.db');

/** Writes a consistent backup of the storage to `file` (refused when `file` exists). */
export async function backupStorage(opts: OpenStorageOptions, file: string): Promise<BackupResult> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new SafeholdError('conflict', `${file} exists already: give a new file name`);
  if (!fs.existsSync(path.dirname(target))) throw new SafeholdError('bad_request', `the directory of ${file} does not exist`);
  const tmp = `${target}.partial-${process.pid}`;
  // Created 0600 before anything is written: the copy holds the signing seed and every session hash.
  fs.writeFileSync(tmp, '', { mode: 0o600, flag: 'wx' });
  try {
    if (opts.databaseUrl) {
      await runTool('pg_dump', ['--format=custom', '--no-owner', `--file=${tmp}`], opts.databaseUrl);
    } else {
      const live = sqliteFile(requireDataDir(opts));
      if (!fs.existsSync(live)) throw new SafeholdError('not_found', `no storage at ${opts.dataDir}`);
      const { default: Database } = await import('better-sqlite3-multiple-ciphers');
      const src = new Database(live, { fileMustExist: true });
      try {
        src.pragma('busy_timeout = 5000');
        await src.backup(tmp);
      } finally {
        src.close();
      }
      await checkSqliteFile(tmp, file);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return { file: target, backend: opts.databaseUrl ? 'postgres' : 'sqlite', bytes: fs.statSync(target).size };
}

/** Replaces the storage with the backup in `file`, then moves every change counter past any old cursor. */
export async function restoreStorage(opts: OpenStorageOptions, file: string): Promise<RestoreResult> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new SafeholdError('not_found', `no backup file ${file}`);
  if (opts.databaseUrl) {
    await runTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', source], opts.databaseUrl);
  } else {
    await checkSqliteFile(source, file);
    const dataDir = requireDataDir(opts);
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const { default: Database } = await import('better-sqlite3-multiple-ciphers');
    const src = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await src.backup(sqliteFile(dataDir));
    } finally {
      src.close();
    }
  }
  // openStorage applies the migrations this binary has and the backup lacks, and fixes the file modes.
  const storage = await openStorage(opts);
  try {
    const databases = await moveCountersPastCursors(storage.db);
    return { file: source, backend: storage.dialect, bytes: fs.statSync(source).size, databases };
  } finally {
    await storage.close();
  }
}

/** In one transaction: every database's seq += RESTORE_SEQ_GAP, and its change log marked pruned up to it. */
async function moveCountersPastCursors(db: Kysely<Tables>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const dbs = await trx.selectFrom('databases').select(['id', 'seq']).execute();
    for (const d of dbs) {
      const seq = Number(d.seq) + RESTORE_SEQ_GAP;
      if (!Number.isSafeInteger(seq)) throw new SafeholdError('internal', 'change counter would overflow');
      await trx.updateTable('databases').set({ seq }).where('id', '=', d.id).execute();
      // The key and meaning are those of pruneChanges (services/sync.ts): a delta cursor below it gets a reset.
      const value = String(seq);
      await trx
        .insertInto('server_meta')
        .values({ key: `changes_pruned_through:${d.id}`, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    }
    return dbs.length;
  });
}

function requireDataDir(opts: OpenStorageOptions): string {
  if (!opts.dataDir) throw new SafeholdError('bad_request', 'no storage given: set --data DIR or --database-url');
  return opts.dataDir;
}

/** A backup file must be a sound SQLite file holding this server's schema at a version this binary knows. */
async function checkSqliteFile(f: string, shown: string): Promise<void> {
  const head = Buffer.alloc(16);
  const fd = fs.openSync(f, 'r');
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  const notOurs = (): SafeholdError => new SafeholdError('bad_request', `${shown} is not a Safehold SQLite backup`);
  if (head.toString('latin1') !== 'SQLite format 3\u0000') throw notOurs();
  const { default: Database } = await import('better-sqlite3-multiple-ciphers');
  let applied: string[];
  const db = new Database(f, { readonly: true, fileMustExist: true });
  try {
    if (db.pragma('integrity_check', { simple: true }) !== 'ok') throw new SafeholdError('bad_request', `${shown} failed the integrity check: it is damaged`);
    const known = db.prepare("select name from sqlite_master where type = 'table' and name = 'kysely_migration'").all();
    if (known.length === 0) throw notOurs();
    applied = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
  } catch (e) {
    throw e instanceof SafeholdError ? e : notOurs();
  } finally {
    db.close();
  }
  const unknown = applied.filter((m) => !MIGRATION_NAMES.includes(m));
  if (unknown.length > 0) throw new SafeholdError('bad_request', `${shown} was made by a newer server (migration ${unknown[0]}): restore it with that version`);
}

/** Runs a PostgreSQL client tool; its stderr (which never holds the password of a URL) becomes the error. */
function runTool(cmd: string, args: string[], url: string): Promise<void> {
  // The password travels in the environment, never on the command line (which `ps` shows to every user).
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
    const p = spawn(cmd, [...args, `--dbname=${u.toString()}`], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e: NodeJS.ErrnoException) =>
      reject(new SafeholdError('internal', e.code === 'ENOENT' ? `${cmd} not found: install the PostgreSQL client tools` : `${cmd} failed to start`)),
    );
    p.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SafeholdError('internal', `${cmd} exited ${code}: ${redactUrl(err.trim().split('\n').slice(-3).join(' ')).slice(0, 500)}`));
    });
  });
}

function redactUrl(s: string): string {
  return s.replace(/\/\/([^:@/\s]+):[^@/\s]*@/g, '//$1:***@');
}
