/**
 * Named prepared statements for PostgreSQL. Kysely sends every query unnamed, so the backend parses,
 * analyses and plans it again on every call; a no-change sync is two such queries (session, sync state)
 * and that repeated work made it cost about 2.6x SQLite's (ADR 0066). node-pg prepares a named statement
 * once per connection and then only binds and executes it. Only statements of a bounded shape are named
 * (few parameters: not the variable id lists), and at most MAX_NAMED distinct texts per process, so a
 * long-lived connection's backend memory stays bounded. DDL (migrations) always goes unnamed.
 */
import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type PgModule from 'pg';

/** Statements with more bound parameters than this are id lists of varying length: left unnamed. */
const MAX_PARAMS = 16;
/** Distinct statement texts named per process. */
const MAX_NAMED = 256;
/** Only data statements: a named `select *` is re-planned after DDL, DDL itself is never repeated. */
const DML = /^\s*(select|insert|update|delete|with)\b/i;

/** A Kysely PostgresPool over `pool` whose clients send bounded-shape queries as named prepared statements. */
export function preparingPool(pool: PgModule.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string, params: number): string | undefined => {
    if (params > MAX_PARAMS || !DML.test(text)) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED) {
      name = `sh_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return {
        query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) => {
          if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never);
          const values = [...(parameters ?? [])];
          const name = nameOf(sqlOrCursor, values.length);
          return name === undefined ? client.query(sqlOrCursor, values) : client.query({ name, text: sqlOrCursor, values });
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}
