/** A real Safehold server for tests: real storage (SQLite temp dir or a fresh PostgreSQL database), real HTTP on 127.0.0.1. */
import { describe } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AdminService, openStorage, startServer, type Clock, type RateLimits, type Storage, systemClock } from '@safehold/server';
import { createPgDatabase } from './pg.js';
import { removeDir, tempDir } from './dirs.js';

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

export interface TestServerOptions {
  backend?: Backend;
  clock?: Clock;
  limits?: Partial<RateLimits>;
  /** pino logs to stdout (default off). */
  logger?: boolean;
  /** Trust X-Forwarded-For (tests of per-address limits). */
  trustProxy?: boolean;
  /** Wraps the server's Argon2id hashing of auth keys (to count it). */
  authHasher?: (authKey: Uint8Array) => Promise<string>;
}

export interface TestServer {
  url: string;
  port: number;
  backend: Backend;
  storage: Storage;
  clock: Clock;
  /** The in-process Server Manager (same operations as the binary). */
  admin: AdminService;
  app: FastifyInstance;
  /** For SQLite: the data dir (pass as --data to the binary); for PostgreSQL: null. */
  dataDir: string | null;
  /** For PostgreSQL: the database URL (pass as --database-url); for SQLite: null. */
  databaseUrl: string | null;
  /** Stops the server, closes the storage and deletes the temp dir or the PostgreSQL database. */
  close(): Promise<void>;
}

/** Storage alone (no server), for tests of services and for benchmarks. */
export async function openTestStorage(backend: Backend = 'sqlite'): Promise<{
  storage: Storage;
  dataDir: string | null;
  databaseUrl: string | null;
  close(): Promise<void>;
}> {
  if (backend === 'postgres') {
    const pgdb = await createPgDatabase();
    let storage: Storage;
    try {
      storage = await openStorage({ databaseUrl: pgdb.url });
    } catch (e) {
      await pgdb.drop();
      throw e;
    }
    return {
      storage,
      dataDir: null,
      databaseUrl: pgdb.url,
      async close() {
        await storage.close();
        await pgdb.drop();
      },
    };
  }
  const dir = tempDir('safehold-srv-');
  const storage = await openStorage({ dataDir: dir });
  return {
    storage,
    dataDir: dir,
    databaseUrl: null,
    async close() {
      await storage.close();
      removeDir(dir);
    },
  };
}

/** Starts a server on port 0 over fresh storage. Call close() (e.g. in after()). */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const backend = opts.backend ?? 'sqlite';
  const clock = opts.clock ?? systemClock;
  const st = await openTestStorage(backend);
  let running;
  try {
    running = await startServer({
      storage: st.storage,
      host: '127.0.0.1',
      port: 0,
      clock,
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
      ...(opts.authHasher ? { authHasher: opts.authHasher } : {}),
      logger: opts.logger ?? false,
    });
  } catch (e) {
    await st.close();
    throw e;
  }
  let closing: Promise<void> | null = null;
  return {
    url: running.url,
    port: running.port,
    backend,
    storage: st.storage,
    clock,
    admin: new AdminService(st.storage.db, clock),
    app: running.app,
    dataDir: st.dataDir,
    databaseUrl: st.databaseUrl,
    close() {
      closing ??= (async () => {
        await running.close();
        await st.close();
      })();
      return closing;
    },
  };
}

/** Runs `fn` inside one describe() per backend: `${name} [sqlite]` and `${name} [postgres]`. */
export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  for (const backend of BACKENDS) {
    void describe(`${name} [${backend}]`, () => fn(backend));
  }
}
