/**
 * Opens the server's storage: the embedded SQLite file (default) or PostgreSQL, behind one Kysely
 * instance, and applies pending migrations. Nothing is cached outside the database, so several
 * processes (servers and the Server Manager) can work on one storage at once.
 */
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import path from 'node:path';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDatabase, SqliteDialectConfig, SqliteStatement } from 'kysely';
import type PgModule from 'pg';
import { SafeholdError } from '@safehold/protocol';
import type { Tables } from './schema.js';
import { migrateToLatest } from './migrations.js';
import { PIPES, preparingPool } from './pgprepared.js';

export interface Storage {
  db: Kysely<Tables>;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /** Directory of the embedded SQLite database (`<dataDir>/safehold.db`). */
  dataDir?: string;
  /** postgres://... ; when set, it wins over dataDir. */
  databaseUrl?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL shared pipelined connections for plain reads (default PIPES; 0: every query on the pool). */
  pipes?: number;
}

const INT8_OID = 20;

/**
 * Bytes of the SQLite file read through a memory map instead of read() into the page cache (ADR 0095,
 * decision 15-srv): a first sync's two reads a page (the snapshot rows, the key rows) cost about a quarter
 * less CPU at 100k records. Reads only (SQLite writes through write() unless built otherwise), and SQLite
 * drops its map at the start of a read transaction when another process changed the file, so a file
 * shrunk by another process's checkpoint is never read through a stale map. The address space is
 * reserved, not memory: pages are resident as the OS page cache would hold them anyway.
 */
const MMAP_SIZE = 1024 * 1024 * 1024;

/** Opens storage and applies every pending migration. */
export async function openStorage(opts: OpenStorageOptions): Promise<Storage> {
  // Only the driver in use is loaded: every Server Manager command pays the start-up time.
  const storage = opts.databaseUrl ? await openPostgres(opts.databaseUrl, opts.poolSize ?? 10, opts.pipes ?? PIPES) : await openSqlite(opts.dataDir);
  try {
    await migrateWithRetry(storage);
  } catch (e) {
    await storage.close().catch(() => undefined);
    throw e;
  }
  return storage;
}

async function openSqlite(dataDir: string | undefined): Promise<Storage> {
  if (!dataDir) throw new SafeholdError('bad_request', 'no storage given: set --data DIR or --database-url');
  const { default: Database } = await import('better-sqlite3-multiple-ciphers');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'safehold.db');
  // The file holds the signing seed and every session hash: 0600 whatever the directory or umask. SQLite
  // creates the file, -wal and -shm under the process umask (tightened while it opens them); files that already
  // exist are tightened by path. Never by opening and closing a descriptor: closing any descriptor of a
  // database file drops every POSIX lock this process holds on it (SQLite's own connections included), and
  // another process then takes the database for unused and rebuilds its -shm under a live mapping (SIGBUS).
  const sqlite = withUmask(0o077, () => {
    const conn = new Database(file);
    conn.pragma('busy_timeout = 5000');
    toWal(conn);
    conn.pragma('foreign_keys = ON');
    conn.pragma('synchronous = NORMAL');
    conn.pragma(`mmap_size = ${MMAP_SIZE}`);
    conn.prepare('select count(*) from sqlite_master').get();
    return conn;
  });
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) privateMode(f);
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  let closed = false;
  return {
    db,
    dialect: 'sqlite',
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/**
 * Switches the connection to WAL. On a fresh file a process opening at the same time can hold the lock the
 * switch needs, and SQLite then answers SQLITE_BUSY at once, without its busy handler: wait and retry
 * (about 2 s at most), as the busy timeout would.
 */
function toWal(conn: { pragma(sql: string, opts: { simple: true }): unknown }): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      conn.pragma('journal_mode = WAL', { simple: true });
      return;
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt >= 100) throw e;
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

/** Runs `fn` with the process umask set to `mask` (only the main thread may set it; a worker keeps its own). */
function withUmask<T>(mask: number, fn: () => T): T {
  if (process.platform === 'win32' || !isMainThread) return fn();
  const old = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

/** Makes an existing `file` mode 0600 by its path (no descriptor: see openSqlite); a missing file is left alone. */
function privateMode(file: string): void {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = fs.statSync(file).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
}

/** How long the SQLite connection goes from caller to caller before the event loop gets a turn (ImmediateSqliteDriver). */
const SLICE_MS = 50;

/** Most distinct statements kept prepared; past it the cache starts over (lists of ids make many shapes). */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely prepares every query afresh; with better-sqlite3 that compiling was about a sixth of the server's
 * time under the no-change sync load. Prepared statements are reused by SQL text instead. Safe because the
 * driver runs one query at a time on its one connection (its mutex), and SQLite recompiles a statement
 * by itself after a schema change.
 */
function withStatementCache(sqlite: { prepare(sql: string): SqliteStatement; close(): unknown }): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => void sqlite.close(),
    prepare(sqlText: string): SqliteStatement {
      let st = cache.get(sqlText);
      if (!st) {
        st = sqlite.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        cache.set(sqlText, st);
      }
      return st;
    },
  };
}

/**
 * SQLite transactions begin IMMEDIATE: a deferred transaction that reads first and writes later can fail
 * with SQLITE_BUSY (not retried by busy_timeout) when another process — the Server Manager, a second
 * server — writes in between. IMMEDIATE takes the write lock up front, so busy_timeout applies.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  /**
   * The one connection is handed over in arrival order, waking one waiter per release, and in time slices.
   *
   * Arrival order: Kysely's own mutex wakes every waiter at every release and lets all but one wait again;
   * with 500 clients queued that is hundreds of wake-ups per query (issue 17). Kysely's mutex stays
   * underneath, and is free whenever this one lets a caller through.
   *
   * Time slices: better-sqlite3 answers synchronously, so without them one turn of the event loop ran every
   * request that had arrived to its end (each socket's callback, then its microtasks, then the next socket)
   * before the server read a socket again: under the reliability campaign's 500-client load a turn took
   * 2–6 s, new connections waited in the kernel's accept queue, and some requests were first seen by the
   * server 30 s after they were sent (their time inside the server was under 0.7 s). Now the connection goes
   * from holder to holder for at most `SLICE_MS`; past that the next caller waits for the event loop to turn
   * (setImmediate, after the poll phase has read the sockets and run what completed), and callers that
   * arrive meanwhile queue behind it.
   */
  readonly #waiting: Array<() => void> = [];
  #held = false;
  /** When the current slice began; 0 once the event loop has turned since. */
  #sliceStart = 0;

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#held || this.#waiting.length > 0 || this.#sliceSpent()) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#grant();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#held = false;
    this.#wake();
  }

  #sliceSpent(): boolean {
    return this.#sliceStart !== 0 && performance.now() - this.#sliceStart >= SLICE_MS;
  }

  /** Marks the connection held, starting a slice (which ends when the event loop next turns) if none runs. */
  #grant(): void {
    this.#held = true;
    if (this.#sliceStart !== 0) return;
    this.#sliceStart = performance.now();
    setImmediate(() => {
      this.#sliceStart = 0;
      this.#wake();
    });
  }

  /** Lets the first waiter through when the connection is free and the slice has time left. */
  #wake(): void {
    if (this.#held || this.#sliceSpent()) return;
    const next = this.#waiting.shift();
    if (!next) return;
    this.#grant();
    next();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

async function openPostgres(url: string, max: number, pipes: number): Promise<Storage> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new SafeholdError('bad_request', 'database URL must start with postgres://');
  const { default: pg } = (await import('pg')) as { default: typeof PgModule };
  const config = {
    connectionString: url,
    // Times and counters are bigint; every value we store fits in a double exactly (epoch ms, counters).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
  const pool = new pg.Pool({ ...config, max });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const openPipe = async (): Promise<PgModule.Client> => {
    const c = new pg.Client({ ...config, pipeline: true });
    // Same rule as the pool's idle clients: a lost connection fails its reads, never the process.
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: preparingPool(pool, { open: openPipe, count: pipes }) }) });
  let closed = false;
  return {
    db,
    dialect: 'postgres',
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/**
 * Two processes starting on a fresh PostgreSQL database can race on creating Kysely's own
 * bookkeeping tables (before its advisory lock is taken); one retry after a short pause settles it.
 */
async function migrateWithRetry(storage: Storage): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await migrateToLatest(storage.db, storage.dialect);
      return;
    } catch (e) {
      if (attempt >= 4) throw wrapConnectError(e);
      if (isConnectError(e)) throw wrapConnectError(e);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    }
  }
}

function isConnectError(e: unknown): boolean {
  const s = String((e as { cause?: unknown })?.cause ?? e);
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|does not exist|password authentication|no pg_hba/.test(s);
}

function wrapConnectError(e: unknown): Error {
  if (e instanceof SafeholdError && !isConnectError(e)) return e;
  const cause = (e as { cause?: unknown })?.cause ?? e;
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new SafeholdError('internal', `cannot open storage: ${msg}`, undefined, { cause: e });
}
