/**
 * The PostgreSQL connections Kysely gets: named prepared statements, and plain reads pipelined on a few
 * shared connections (ADR 0066, ADR 0130).
 *
 * Named statements: Kysely sends every query unnamed, so the backend parses, analyses and plans it again
 * on every call. node-pg prepares a named statement once per connection and then only binds and executes
 * it. Only statements of a bounded shape are named (few parameters: not the variable id lists), and at
 * most MAX_NAMED distinct texts per process, so a long-lived connection's backend memory stays bounded.
 * DDL (migrations) always goes unnamed.
 *
 * Pipelined reads: on a loaded host the cost of a PostgreSQL query is mostly its round trip (the kernel
 * write that wakes a backend, the read of its answer), not its execution: a no-change sync is two point
 * lookups. A named plain SELECT outside a transaction is sent on a shared connection in node-pg's
 * pipeline mode instead of on a pool connection of its own; every read submitted in one turn of the
 * event loop leaves in one write per shared connection, and one backend wake-up answers them all. Each
 * read keeps its own Sync (an error fails that read only). Everything else — writes, transactions
 * (from their `begin` on, every statement of that connection), locking reads, session-state calls,
 * cursors, unnamed statements — takes a pool connection exactly as before. A shared connection with
 * PIPE_DEPTH reads in flight takes no more: the next reads go to the pool (a slow read delays at most
 * the reads already queued behind it).
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
/** A plain read: a SELECT (not a CTE, which may write). */
const READ = /^\s*select\b/i;
/** Reads that lock rows or change the session: never on a shared connection. */
const NOT_SHAREABLE = /\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b|set_config|advisory|pg_sleep|lo_/i;
/** A statement that opens a transaction (Kysely: `begin`, `start transaction ...`). */
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
/** Shared pipelined connections per process (one backend each). */
export const PIPES = 2;
/** Reads in flight on one shared connection before the next ones go to the pool. */
export const PIPE_DEPTH = 128;

export interface PipeOptions {
  /** Opens one pipelined connection (node-pg `pipeline: true`), connected. */
  open: () => Promise<PgModule.Client>;
  /** How many (0: no pipelining). */
  count: number;
}

interface Pipe {
  client: PgModule.Client | null;
  opening: Promise<PgModule.Client> | null;
  inFlight: number;
}

/** Counters for tests and the ADR's profile: where reads went. */
export interface PipeStats {
  piped: number;
  pooled: number;
}

const corked = new WeakSet<object>();
/**
 * Holds a shared connection's writes until the event loop's next turn: node-pg writes each query as
 * it is submitted, so without this every pipelined read is still its own kernel write. The socket is
 * node-pg's (`client.connection.stream`, a net.Socket); a client without one is left as it is.
 */
function corkUntilNextTurn(c: PgModule.Client): void {
  const stream = (c as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  if (!stream?.cork || !stream.uncork || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork?.();
  });
}

/** A Kysely PostgresPool over `pool`: named bounded-shape statements, plain named reads pipelined (see above). */
export function preparingPool(pool: PgModule.Pool, pipes: PipeOptions = { open: () => Promise.reject(new Error('no pipes')), count: 0 }): PostgresPool & { stats: PipeStats } {
  const names = new Map<string, string>();
  const shareable = new Map<string, boolean>();
  const stats: PipeStats = { piped: 0, pooled: 0 };
  // The map is looked up first: the regular expressions run once per distinct text, not per query.
  const named = (text: string, params: number): string | undefined => {
    if (params > MAX_PARAMS) return undefined;
    const known = names.get(text);
    if (known !== undefined) return known;
    if (names.size >= MAX_NAMED || !DML.test(text)) return undefined;
    const name = `sh_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    names.set(text, name);
    shareable.set(text, READ.test(text) && !NOT_SHAREABLE.test(text));
    return name;
  };

  const open: Pipe[] = Array.from({ length: pipes.count }, () => ({ client: null, opening: null, inFlight: 0 }));
  let ended = false;
  const pipeClient = (p: Pipe): PgModule.Client | Promise<PgModule.Client> => {
    if (p.client) return p.client;
    p.opening ??= pipes.open().then(
      (c) => {
        const drop = () => {
          if (p.client === c) p.client = null;
        };
        // A lost shared connection fails the reads on it (as a lost pool connection would) and is replaced.
        c.on('error', drop);
        c.on('end', drop);
        p.client = c;
        p.opening = null;
        if (ended) void c.end().catch(() => undefined);
        return c;
      },
      (e: unknown) => {
        p.opening = null;
        throw e;
      },
    );
    return p.opening;
  };
  /** The least busy shared connection with room, or null. */
  const pickPipe = (): Pipe | null => {
    let best: Pipe | null = null;
    for (const p of open) if (p.inFlight < PIPE_DEPTH && (best === null || p.inFlight < best.inFlight)) best = p;
    return best;
  };
  const onPipe = async (p: Pipe, query: { name: string; text: string; values: unknown[] }) => {
    p.inFlight++;
    try {
      const c = await pipeClient(p);
      corkUntilNextTurn(c);
      return await c.query(query);
    } finally {
      p.inFlight--;
    }
  };

  const send = (client: PgModule.PoolClient, text: string, values: unknown[]) => {
    const name = named(text, values.length);
    return name === undefined ? client.query(text, values) : client.query({ name, text, values });
  };

  return {
    stats,
    async connect(): Promise<PostgresPoolClient> {
      // A pool connection is taken when the first statement needs one, and kept until release
      // (a transaction's statements, a cursor, a pinned connection's session state all stay on it).
      let own: PgModule.PoolClient | null = null;
      let owning: Promise<PgModule.PoolClient> | null = null;
      const exclusive = async (): Promise<PgModule.PoolClient> => {
        if (own) return own;
        owning ??= pool.connect().then((c) => (own = c));
        return owning;
      };
      let released = false;
      return {
        query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) => {
          if (typeof sqlOrCursor !== 'string') return exclusive().then((c) => c.query(sqlOrCursor as never));
          const values = [...(parameters ?? [])];
          if (own === null && owning === null && !BEGIN.test(sqlOrCursor)) {
            const name = named(sqlOrCursor, values.length);
            const pipe = name !== undefined && shareable.get(sqlOrCursor) === true ? pickPipe() : null;
            if (pipe && name !== undefined) {
              stats.piped++;
              return onPipe(pipe, { name, text: sqlOrCursor, values });
            }
          }
          stats.pooled++;
          return exclusive().then((c) => send(c, sqlOrCursor, values));
        }) as unknown as PostgresPoolClient['query'],
        release: () => {
          if (released) return;
          released = true;
          if (own) own.release();
          else if (owning) void owning.then((c) => c.release(), () => undefined);
        },
      };
    },
    async end() {
      ended = true;
      await Promise.all(
        open.map(async (p) => {
          const c = p.client ?? (p.opening ? await p.opening.catch(() => null) : null);
          p.client = null;
          if (c) await c.end().catch(() => undefined);
        }),
      );
      await pool.end();
    },
  };
}
