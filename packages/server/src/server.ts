/** Starts a listening Safehold server on an opened storage. */
import type { FastifyInstance } from 'fastify';
import type { Storage } from './storage/open.js';
import { systemClock, type Clock } from './clock.js';
import { resolveLimits, type RateLimits } from './config.js';
import { buildApp } from './http/app.js';
import { getOrCreateMeta, loadServerSigner } from './services/serverkey.js';
import type { KeySource } from './services/keysource.js';
import { DEFAULT_RETENTION, pruneChanges, pruneRetention, type Retention } from './services/retention.js';
import { newId as randomId } from './services/tokens.js';
import { loggerOptions, requestLogging } from './log.js';

/** How often the change log is pruned (entries older than the kept window answer a reset instead). */
const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

export interface StartServerOptions {
  storage: Storage;
  host?: string;
  port?: number;
  clock?: Clock;
  limits?: Partial<RateLimits>;
  /** true: pino logs to stdout (redacted); false/absent: silent. */
  logger?: boolean;
  trustProxy?: boolean | string | string[];
  /** Retention of sessions, failed-login rows and audit events (12.11); defaults DEFAULT_RETENTION. */
  retention?: Partial<Retention>;
  /** Where the signing seed comes from (default: storage). */
  keySource?: KeySource;
  /** Serve HTTPS (PEM certificate chain and key); the URL is then https://. */
  tls?: { cert: Buffer; key: Buffer };
  /** The Argon2id hashing of auth keys (default @safehold/crypto's hashAuthKey; tests wrap it to count it). */
  authHasher?: (authKey: Uint8Array) => Promise<string>;
}

export interface RunningServer {
  url: string;
  port: number;
  app: FastifyInstance;
  /** Stops listening and waits for in-flight requests; does not close the storage. */
  close(): Promise<void>;
}

/** The stable identity of this server in signed leases and wipe orders: kept in storage, the same for every process. */
export async function loadServerId(storage: Storage): Promise<string> {
  return getOrCreateMeta(storage.db, 'server_id', () => randomId());
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const signer = await loadServerSigner(opts.storage.db, opts.keySource ?? {});
  const serverId = await loadServerId(opts.storage);
  const app = await buildApp(
    {
      storage: opts.storage,
      clock: opts.clock ?? systemClock,
      signer,
      serverId,
      limits: resolveLimits(opts.limits),
      ...(opts.authHasher ? { authHasher: opts.authHasher } : {}),
    },
    {
      logger: opts.logger ? loggerOptions() : false,
      requestLogging: requestLogging(),
      ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
    },
  );
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 8080);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  // The change log is kept for a bounded window (a cursor older than it gets a reset, DESIGN.md "Sync protocol").
  // Prune once at start and then daily; a failure is logged and retried at the next round, never fatal.
  const clock = opts.clock ?? systemClock;
  const retention = { ...DEFAULT_RETENTION, ...(opts.retention ?? {}) };
  const prune = (): void => {
    pruneChanges(opts.storage.db, clock).catch((e: unknown) => app.log.warn({ err: e }, 'change log pruning failed'));
    pruneRetention(opts.storage.db, clock, retention).catch((e: unknown) => app.log.warn({ err: e }, 'retention pruning failed'));
  };
  prune();
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();
  let closed: Promise<void> | null = null;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    app,
    close() {
      clearInterval(pruneTimer);
      closed ??= app.close();
      return closed;
    },
  };
}
