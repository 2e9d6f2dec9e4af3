/** PostgreSQL for tests: each call makes its own uniquely named database on the test server. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_START_HINT =
  'start PostgreSQL with `pg_ctlcluster --skip-systemctl-redirect 15 main start` (or set SAFEHOLD_TEST_DATABASE_URL); ' +
  'tests expect user postgres with trust auth on 127.0.0.1:5432, database test';

/** The admin connection string of the test PostgreSQL. */
export function testPgUrl(): string {
  return process.env['SAFEHOLD_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export interface PgDatabase {
  /** Connection string of the new database. */
  url: string;
  name: string;
  /** Drops the database (terminating its connections). */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testPgUrl(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${redact(testPgUrl())}: ${(e as Error).message}. ${PG_START_HINT}`, { cause: e });
  }
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Creates a fresh database; throws (saying how to start PostgreSQL) when none answers. */
export async function createPgDatabase(): Promise<PgDatabase> {
  const name = `safehold_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const u = new URL(testPgUrl());
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    url: u.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
