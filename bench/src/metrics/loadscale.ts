/**
 * server_nochange_syncs_per_s_pg_2x: the no-change load of server_nochange_syncs_per_s_pg against TWO
 * `safehold-server start` processes on one PostgreSQL database, behind a connection-level round-robin
 * proxy on 127.0.0.1 (in this process). Bounded like the one-process figure (same generator, clients
 * and duration); baseline: the same run's one-process figure. Also reported: syncs per server
 * CPU-second (both processes' user + system time, from /proc, over the measured window), which is
 * what shows the scaling a host with a core per process would get: on this 2-core machine the
 * generator, PostgreSQL, the proxy and both servers share two cores.
 */
import fs from 'node:fs';
import net from 'node:net';
import { startServerProcess, type ServerProcess } from '@safehold/testkit';
import { Unavailable, type MetricDef } from '../metric.js';
import { LOAD_DB, LOAD_USER, loadServer, measured, perCpu, runLoad, shape } from './load.js';

/** User + system CPU seconds of a process so far (Linux /proc; null elsewhere). */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** A loopback TCP proxy handing each new connection to the next backend in turn. */
export async function roundRobin(backends: readonly URL[]): Promise<{ url: string; connections: number[]; close(): Promise<void> }> {
  let next = 0;
  const connections = backends.map(() => 0);
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (client) => {
    const i = next++ % backends.length;
    connections[i] = (connections[i] ?? 0) + 1;
    const b = backends[i] as URL;
    const upstream = net.connect({ host: b.hostname, port: Number(b.port), noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const serverLoadPg2x: MetricDef = {
  name: 'server_nochange_syncs_per_s_pg_2x',
  unit: '/s',
  sizes: null,
  target: () => ({ op: '>=', value: 1.0, ofBaseline: true }),
  baseline: 'server_nochange_syncs_per_s_pg',
  async run(ctx) {
    // The user, its records and its database, made through an in-process server (idle afterwards).
    const { authKey, databaseUrl } = await loadServer(ctx, 'postgres');
    if (!databaseUrl) throw new Unavailable('PostgreSQL');
    const procs: ServerProcess[] = [];
    ctx.onCleanup(async () => {
      await Promise.all(procs.map((p) => p.stop()));
    });
    // Without per-request log lines, like the in-process server of the one-process figure (logger off).
    const env = { SAFEHOLD_LOG_REQUESTS: 'off' };
    procs.push(...(await Promise.all([0, 1].map(() => startServerProcess(['--database-url', databaseUrl], env)))));
    const pids = procs.map((p) => p.proc.pid ?? 0);
    const proxy = await roundRobin(procs.map((p) => new URL(p.url)));
    ctx.onCleanup(() => proxy.close());
    const s = shape(ctx);
    const cpu = () => pids.reduce((sum, pid) => sum + (procCpuSeconds(pid) ?? Number.NaN), 0);
    let cpu0 = Number.NaN;
    const r = await runLoad({ url: proxy.url, user: LOAD_USER, authKey, db: LOAD_DB, floor: false, ...s }, () => (cpu0 = cpu()));
    const used = cpu() - cpu0;
    const m = measured(r, s.clients);
    return {
      ...m,
      detail: { ...m.detail, processes: procs.length, connectionsPerProcess: proxy.connections.join('/'), ...perCpu(r, used) },
    };
  },
};
