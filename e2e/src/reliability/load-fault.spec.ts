/**
 * Issue 17, load with a fault: N clients (devices of a few users) mix no-change syncs, deltas and edits
 * for a bounded time against the real `safehold-server` on SQLite, on PostgreSQL, and as two server
 * processes sharing one PostgreSQL with one of them killed (SIGKILL) and restarted mid-run (127.0.0.1).
 * Figures per setup: lost writes (acknowledged, not on the server), duplicate and skipped changes seen by
 * any cursor, failed requests (retried). Only the killed server's requests may fail.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, registerTestUser, startServerProcess, startTestServer, storageArgs, type Backend, type ServerProcess, type TestServer, type TestUser } from '@safehold/testkit';
import { randomId } from '@safehold/crypto';
import { LoadClient, type Servers } from './loadclient.js';
import { SEED, figure, prng, sized } from './size.js';

const CLIENTS = sized(40, 500);
const DURATION_MS = sized(6_000, 60_000);
const CLIENTS_PER_USER = 25;

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  }));
}

async function login(url: string, u: TestUser): Promise<string> {
  const r = await api<{ token: string }>(url, 'POST', '/v1/login', { body: { user: u.name, authKey: u.authKey, device: { id: randomId(), name: 'load client' } } });
  if (r.status !== 200) throw new Error(`login ${u.name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

async function runSetup(name: string, backend: Backend, processes: 1 | 2, killOne: boolean): Promise<void> {
  const t0 = Date.now();
  const s: TestServer = await startTestServer({ backend });
  const procs: ServerProcess[] = [];
  try {
    const users: TestUser[] = [];
    for (let i = 0; i < Math.max(1, Math.ceil(CLIENTS / CLIENTS_PER_USER)); i++) users.push(await registerTestUser(s, `load${i}`, 'main'));
    await s.admin.setDbOffline('main', true);
    for (const u of users) await s.admin.setUserRights(u.name, 'main', { offline: true, offlineDays: 3 });
    for (let i = 0; i < processes; i++) procs.push(await startServerProcess(storageArgs(s)));
    const servers: Servers = { urls: procs.map((p) => p.url) };
    const tokens: Array<{ token: string; user: TestUser }> = [];
    await pool(Array.from({ length: CLIENTS }, (_, i) => users[i % users.length] as TestUser), 6, async (u) => {
      tokens.push({ token: await login(servers.urls[0] as string, u), user: u });
    });
    const clients = tokens.map((t, i) => ({ client: new LoadClient(servers, t.token, i), user: t.user }));
    await pool(clients, 16, (c) => c.client.sync());

    const rnd = prng(SEED ^ processes ^ (backend === 'postgres' ? 7 : 3));
    const end = Date.now() + DURATION_MS;
    let restarted = 0;
    const fault = killOne
      ? (async () => {
          await new Promise((r) => setTimeout(r, DURATION_MS * (0.3 + rnd() * 0.2)));
          const victim = procs[0] as ServerProcess;
          const gone = new Promise<void>((r) => victim.proc.once('exit', () => r()));
          victim.proc.kill('SIGKILL');
          await gone;
          await new Promise((r) => setTimeout(r, 500));
          const fresh = await startServerProcess(storageArgs(s));
          procs[0] = fresh;
          servers.urls[0] = fresh.url;
          restarted++;
        })()
      : Promise.resolve();
    await Promise.all([
      fault,
      ...clients.map(async ({ client }, i) => {
        const mine = prng(SEED + i);
        while (Date.now() < end) {
          const x = mine();
          if (x < 0.6) await client.sync();
          else if (x < 0.85) await client.create();
          else await client.edit(Math.floor(mine() * 1000));
        }
      }),
    ]);

    // Every client syncs to the end; then its cursor's view must equal the server's records of its user.
    for (const { client } of clients) await client.sync();
    let lost = 0;
    let skipped = 0;
    const onServer = new Map<string, Map<string, string>>();
    for (const u of users) {
      const r = await api<{ records: Array<{ id: string; revision: string }> }>(servers.urls[1] ?? (servers.urls[0] as string), 'GET', '/v1/db/main/records', { token: u.token });
      onServer.set(u.name, new Map(r.body.records.map((x) => [x.id, x.revision])));
    }
    for (const { client, user } of clients) {
      const truth = onServer.get(user.name) as Map<string, string>;
      for (const [id, rev] of client.acked) if (truth.get(id) !== rev) lost++;
      for (const [id, rev] of truth) if (client.seen.get(id) !== rev) skipped++;
      for (const id of client.seen.keys()) if (!truth.has(id)) skipped++;
    }
    const kinds = new Map<string, number>();
    for (const { client } of clients) for (const [k, n] of client.failures) kinds.set(k, (kinds.get(k) ?? 0) + n);
    const slowest = new Map<string, number>();
    for (const { client } of clients) for (const [k, ms] of client.slowest) slowest.set(k, Math.max(ms, slowest.get(k) ?? 0));
    // The servers' own view: the slowest request by fastify's responseTime (from the request's arrival to
    // its answer), in the logs of the processes still running.
    let serverSlowest = 0;
    for (const p of procs) for (const m of p.logs().matchAll(/"responseTime":([0-9.]+)/g)) serverSlowest = Math.max(serverSlowest, Number(m[1]));
    const sum = (k: 'errors' | 'syncs' | 'creates' | 'edits' | 'duplicates') => clients.reduce((a, c) => a + c.client.stats[k], 0);
    figure(`load-${name}`, {
      clients: CLIENTS,
      seconds: DURATION_MS / 1000,
      syncs: sum('syncs'),
      creates: sum('creates'),
      edits: sum('edits'),
      lostWrites: lost,
      duplicateChanges: sum('duplicates'),
      skippedChanges: skipped,
      failedRequestsRetried: sum('errors'),
      failureKinds: JSON.stringify(Object.fromEntries(kinds)),
      serverRestarts: restarted,
      slowestRequestMs: JSON.stringify(Object.fromEntries(slowest)),
      serverSlowestMs: Math.round(serverSlowest),
      wallSeconds: Math.round((Date.now() - t0) / 1000),
    });
    assert.equal(lost, 0, 'lost writes');
    assert.equal(sum('duplicates'), 0, 'duplicate changes');
    assert.equal(skipped, 0, 'skipped changes');
    if (!killOne) assert.equal(sum('errors'), 0, 'no request fails without a fault');
    for (const p of procs) assert.equal(p.proc.exitCode, null, 'the servers still run');
  } finally {
    for (const p of procs) await p.stop();
    await s.close();
  }
}

describe('load with a fault', () => {
  test(`${CLIENTS} clients on SQLite`, { timeout: 30 * 60_000 }, () => runSetup('sqlite', 'sqlite', 1, false));
  test(`${CLIENTS} clients on PostgreSQL`, { timeout: 30 * 60_000 }, () => runSetup('postgres', 'postgres', 1, false));
  test(`${CLIENTS} clients on two servers sharing PostgreSQL, one killed and restarted`, { timeout: 30 * 60_000 }, () =>
    runSetup('postgres-2-servers-kill', 'postgres', 2, true),
  );
});
