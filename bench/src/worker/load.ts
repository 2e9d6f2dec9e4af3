/**
 * The load generator (its own process, so it does not share the server's event loop): logs in
 * `clients` devices of one user (each its own session and device), gives each its first sync, then
 * has every client repeat no-change syncs back to back on its own keep-alive connection for
 * `durationMs` after `warmupMs`, and prints one JSON line: completed syncs, latencies, errors.
 * With `floor`, it skips the logins and hits a bare HTTP server instead (the baseline).
 * Input: one JSON line on stdin (the auth key travels there, not in argv).
 */
import http from 'node:http';
import readline from 'node:readline';
import { randomId } from '@safehold/crypto';
import { API_VERSION } from '@safehold/protocol';
import { ENDPOINTS, fillPath } from '@safehold/protocol/endpoints';
import { nowMs } from '../stats.js';

export interface LoadInput {
  url: string;
  user: string;
  /** base64url auth key of the user (already derived by the parent). */
  authKey: string;
  db: string;
  clients: number;
  durationMs: number;
  warmupMs: number;
  /** Hit a bare server: no login, no first sync. */
  floor: boolean;
}

export interface LoadOutput {
  completed: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  firstError: string | null;
  loginMs: number;
}

interface Res {
  status: number;
  body: string;
}

function request(agent: http.Agent, base: URL, method: string, path: string, token: string | null, body?: unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (data !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(data));
    }
    const req = http.request({ host: base.hostname, port: base.port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // Small request/answer pairs on a kept-alive socket: no Nagle delay.
    req.setNoDelay(true);
    req.end(data);
  });
}

interface Client {
  agent: http.Agent;
  token: string | null;
  cursor: string;
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

async function run(inp: LoadInput): Promise<LoadOutput> {
  const base = new URL(inp.url);
  // Raw HTTP on purpose (the server's load, not the SDK's), but its paths come from the endpoint table.
  const changesPath = (cursor: string) => `/${API_VERSION}${fillPath(ENDPOINTS.syncChanges.path, { db: inp.db })}?cursor=${encodeURIComponent(cursor)}&limit=500`;
  const clients: Client[] = Array.from({ length: inp.clients }, () => ({
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    token: null,
    cursor: '0',
  }));
  const t0 = nowMs();
  if (!inp.floor) {
    // Logins are slow on purpose (the server's slow hash of the auth key): a few at a time.
    await pool(clients, 8, async (c) => {
      const device = { id: randomId(), name: 'bench load client' };
      const r = await request(c.agent, base, ENDPOINTS.login.method, `/${API_VERSION}${ENDPOINTS.login.path}`, null, { user: inp.user, authKey: inp.authKey, device });
      if (r.status !== 200) throw new Error(`login: HTTP ${r.status} ${r.body.slice(0, 200)}`);
      c.token = (JSON.parse(r.body) as { token: string }).token;
    });
    await pool(clients, 16, async (c) => {
      for (;;) {
        const r = await request(c.agent, base, ENDPOINTS.syncChanges.method, changesPath(c.cursor), c.token);
        if (r.status !== 200) throw new Error(`first sync: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        const page = JSON.parse(r.body) as { kind: string; cursor: string; hasMore: boolean };
        if (page.kind !== 'changes') throw new Error(`first sync: ${page.kind}`);
        c.cursor = page.cursor;
        if (!page.hasMore) break;
      }
    });
  }
  const loginMs = nowMs() - t0;

  let measuring = false;
  let stop = false;
  let completed = 0;
  let errors = 0;
  let firstError: string | null = null;
  const latencies: number[] = [];
  // Every failed request counts, warm-up included: the count must be 0.
  const fail = (msg: string) => {
    errors++;
    firstError ??= msg;
  };
  const loop = async (c: Client) => {
    while (!stop) {
      const s = nowMs();
      let r: Res;
      try {
        r = await request(c.agent, base, ENDPOINTS.syncChanges.method, changesPath(c.cursor), c.token);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
        continue;
      }
      const ms = nowMs() - s;
      if (r.status !== 200) {
        fail(`HTTP ${r.status} ${r.body.slice(0, 120)}`);
        continue;
      }
      let page: { kind: string; records?: unknown[]; removed?: unknown[]; cursor: string };
      try {
        page = JSON.parse(r.body) as typeof page;
      } catch {
        fail('answer is not JSON');
        continue;
      }
      if (page.kind !== 'changes' || (page.records?.length ?? 0) > 0 || (page.removed?.length ?? 0) > 0) {
        fail(`not a no-change answer: kind ${page.kind}, ${page.records?.length ?? 0} records`);
        continue;
      }
      c.cursor = page.cursor;
      if (measuring && !stop) {
        completed++;
        latencies.push(ms);
      }
    }
  };
  const loops = clients.map(loop);
  await new Promise((r) => setTimeout(r, inp.warmupMs));
  measuring = true;
  // Tells the parent (a profiler) that the measured phase starts.
  process.stderr.write('measuring\n');
  const m0 = nowMs();
  await new Promise((r) => setTimeout(r, inp.durationMs));
  const seconds = (nowMs() - m0) / 1000;
  stop = true;
  measuring = false;
  await Promise.all(loops);
  for (const c of clients) c.agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? (latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] as number) : 0);
  return { completed, seconds, perSecond: completed / seconds, p50: q(0.5), p99: q(0.99), errors, firstError, loginMs };
}

const rl = readline.createInterface({ input: process.stdin });
rl.once('line', (line) => {
  rl.close();
  run(JSON.parse(line) as LoadInput).then(
    (out) => {
      process.stdout.write(`${JSON.stringify(out)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
      process.exit(1);
    },
  );
});
