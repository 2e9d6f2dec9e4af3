/**
 * A real Safehold server for the benchmarks: @safehold/server's openStorage + startServer on
 * 127.0.0.1, port 0 — what testkit's startTestServer does, but over a given data dir (a copy of a
 * cached fixture) or a given PostgreSQL database (from testkit's createPgDatabase). The server runs
 * in this (parent) process; clients run in worker processes, so the two do not share an event loop.
 * Every request is timed at the HTTP layer (request event to response finish), which gives the
 * server-side figures.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminService, openStorage, startServer, systemClock, type Storage } from '@safehold/server';
import { nowMs } from '../stats.js';

export interface TimedRequest {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface BenchServer {
  url: string;
  storage: Storage;
  admin: AdminService;
  /** Server-side time of every request since the last `takeTimings()`, when recording. */
  takeTimings(): TimedRequest[];
  record(on: boolean): void;
  close(): Promise<void>;
}

export async function startBenchServer(opts: { dataDir?: string; databaseUrl?: string; poolSize?: number; pipes?: number }): Promise<BenchServer> {
  const storage = await openStorage({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
    ...(opts.pipes !== undefined ? { pipes: opts.pipes } : {}),
  });
  let running;
  try {
    running = await startServer({ storage, host: '127.0.0.1', port: 0, clock: systemClock, logger: false });
  } catch (e) {
    await storage.close();
    throw e;
  }
  let recording = false;
  let timings: TimedRequest[] = [];
  // Timing at the node:http layer: from the request event to the last byte handed to the socket.
  running.app.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!recording) return;
    const t0 = nowMs();
    res.once('finish', () => {
      timings.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', status: res.statusCode, ms: nowMs() - t0 });
    });
  });
  let closing: Promise<void> | null = null;
  return {
    url: running.url,
    storage,
    admin: new AdminService(storage.db, systemClock),
    takeTimings() {
      const t = timings;
      timings = [];
      return t;
    },
    record(on) {
      recording = on;
      if (!on) timings = [];
    },
    close() {
      closing ??= (async () => {
        await running.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
