/**
 * Helpers for the offline sync specs: records, grants, roles and seals made through the real HTTP
 * routes with well-formed fake key material (the server stores it opaquely), and a minimal offline
 * client that applies sync pages the way the SDK does (a reset builds a fresh set, swapped in at the end).
 */
import assert from 'node:assert/strict';
import type { Grants, RecordWire, RoleWire, Signed, SyncResponse } from '@safehold/protocol/api';
import { SyncChanges, SyncResponse as SyncResponseSchema } from '@safehold/protocol/api';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { AdminService, buildApp, loadServerId, loadServerSigner, resolveLimits, type Clock, type Storage, type Tables } from '@safehold/server';
import { api, b64, newId, openTestStorage, type Backend, type TestServer, type TestUser } from './index.js';
import { generateSigningKeyPair, sign, toB64 } from '@safehold/crypto';
import { deviceRequestMessage } from '@safehold/protocol';
import { PageApplier, type AppliedPage } from '@safehold/domain';
import { memoryFiles, type MemoryFile } from '../model/index.js';

export const DB = 'main';

export interface Keys {
  header: string;
  secret: string;
}

export function fakeKeys(): Keys {
  return { header: b64(60), secret: b64(60) };
}

function ok<T>(r: { status: number; body: unknown }, what: string): T {
  assert.equal(r.status, 200, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/** Creates a record as `u`; returns its wire form. */
export async function createRecord(url: string, u: TestUser, db = DB, opts: { masked?: boolean } = {}): Promise<RecordWire> {
  const body = { id: newId(), revision: newId(), header: b64(80), secret: b64(80), keys: fakeKeys(), masked: !!opts.masked };
  return ok<RecordWire>(await api(url, 'POST', `/v1/db/${db}/records`, { token: u.token, body }), 'create record');
}

export async function updateRecord(url: string, u: TestUser, rec: { id: string; revision: string }, db = DB): Promise<RecordWire> {
  const body = { baseRevision: rec.revision, revision: newId(), header: b64(80), secret: b64(80) };
  return ok<RecordWire>(await api(url, 'PUT', `/v1/db/${db}/records/${rec.id}`, { token: u.token, body }), 'update record');
}

export async function deleteRecord(url: string, u: TestUser, id: string, db = DB): Promise<void> {
  ok(await api(url, 'DELETE', `/v1/db/${db}/records/${id}`, { token: u.token }), 'delete record');
}

/** Sets the grantee's rights (the owner must hold authorize); keys are given when `keys` is passed. */
export async function grant(
  url: string,
  owner: TestUser,
  id: string,
  grantee: { user: string } | { role: string },
  rights: string[],
  keys: Keys | null = fakeKeys(),
  db = DB,
): Promise<Grants> {
  const body = {
    grantee: 'user' in grantee ? { kind: 'user', user: grantee.user } : { kind: 'role', role: grantee.role },
    rights,
    ...(keys ? { keys } : {}),
  };
  return ok<Grants>(await api(url, 'PUT', `/v1/db/${db}/records/${id}/grants`, { token: owner.token, body }), 'grant');
}

export async function ungrant(url: string, owner: TestUser, id: string, user: string, db = DB): Promise<void> {
  ok(await api(url, 'DELETE', `/v1/db/${db}/records/${id}/grants?user=${user}`, { token: owner.token }), 'ungrant');
}

export async function createRole(url: string, creator: TestUser, name: string, db = DB): Promise<RoleWire> {
  return ok<RoleWire>(
    await api(url, 'POST', `/v1/db/${db}/roles`, { token: creator.token, body: { name, publicKey: b64(32), memberKey: b64(80) } }),
    'create role',
  );
}

export async function addMember(url: string, creator: TestUser, role: string, user: string, db = DB): Promise<void> {
  ok(await api(url, 'PUT', `/v1/db/${db}/roles/${role}/members/${user}`, { token: creator.token, body: { memberKey: b64(80) } }), 'add member');
}

export async function removeMember(url: string, creator: TestUser, role: string, user: string, db = DB): Promise<void> {
  ok(await api(url, 'DELETE', `/v1/db/${db}/roles/${role}/members/${user}`, { token: creator.token }), 'remove member');
}

/** Seals a record as `owner` (authorize), giving the new secret key to `holders` (users holding a key row). */
export async function seal(url: string, owner: TestUser, rec: { id: string; revision: string }, approvers: string[], holders: string[], db = DB) {
  const body = {
    approvers,
    required: 1,
    windowMinutes: 10,
    baseRevision: rec.revision,
    revision: newId(),
    header: b64(80),
    secret: b64(80),
    secretKeys: holders.map((h) => ({ holder: { kind: 'user', user: h }, secret: b64(60) })),
  };
  return ok<RecordWire>(await api(url, 'PUT', `/v1/db/${db}/records/${rec.id}/seal`, { token: owner.token, body }), 'seal');
}

export interface SyncAnswer {
  status: number;
  body: SyncResponse | { error: { code: string; message: string } };
}

/** One raw sync request. A 200 answer is checked against the wire schema. */
export async function syncOnce(url: string, u: TestUser, cursor: string | null, limit?: number, db = DB): Promise<SyncAnswer> {
  const q = new URLSearchParams();
  if (cursor !== null) q.set('cursor', cursor);
  if (limit !== undefined) q.set('limit', String(limit));
  const qs = q.toString();
  const r = await api<SyncAnswer['body']>(url, 'GET', `/v1/db/${db}/offline/changes${qs ? `?${qs}` : ''}`, { token: u.token });
  if (r.status === 200) SyncResponseSchema.parse(r.body);
  return { status: r.status, body: r.body };
}

/** A 200 `changes` answer, or a failed assertion. */
export function changesOf(a: SyncAnswer): SyncChanges {
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return SyncChanges.parse(a.body);
}

/** A 200 `wipe` answer's signed order, or a failed assertion. */
export function wipeOf(a: SyncAnswer): Signed {
  assert.equal(a.status, 200, JSON.stringify(a.body));
  const b = a.body as SyncResponse;
  assert.equal(b.kind, 'wipe', JSON.stringify(b));
  return (b as { kind: 'wipe'; wipe: Signed }).wipe;
}

export function errorCode(a: { status: number; body: unknown }): string {
  return (a.body as { error?: { code?: string } })?.error?.code ?? `(no error: ${a.status})`;
}

/**
 * A minimal offline client: the records it holds and its cursor, applied by the sync core's page
 * applier over memory files (a reset is built beside the main file and swapped in when its last page
 * arrives, like the SDK's fresh file).
 */
export class OfflineClient {
  private main: MemoryFile<RecordWire> | null = null;
  private build: MemoryFile<RecordWire> | null = null;
  private applier: PageApplier<MemoryFile<RecordWire>, AppliedPage<RecordWire>> | null = null;
  private readonly files = memoryFiles<RecordWire>();
  /** Every id this client was ever given. */
  readonly everGiven = new Set<string>();
  /** Every id ever named as removed. */
  readonly everRemoved = new Set<string>();
  pages: SyncChanges[] = [];

  constructor(
    /** The server this client talks to; a test may point it at another instance between pages. */
    public url: string,
    readonly user: TestUser,
    private readonly db = DB,
  ) {}

  /** The cursor of the file being written (null before the first page). */
  get cursor(): string | null {
    const f = this.build ?? this.main;
    return f === null ? null : f.cursor;
  }

  /** A test may hand the client any cursor (as a client with that state would send). */
  set cursor(c: string | null) {
    const f = this.build ?? this.main;
    if (f) f.cursor = c ?? '0';
    else this.main = { records: new Map(), cursor: c ?? '0' };
  }

  /** The records of the main file. */
  get records(): Map<string, RecordWire> {
    return this.main?.records ?? new Map();
  }

  /** Applies one page; returns it. */
  async page(limit?: number): Promise<SyncChanges> {
    const p = changesOf(await syncOnce(this.url, this.user, this.cursor, limit, this.db));
    this.apply(p);
    return p;
  }

  apply(p: SyncChanges): void {
    this.pages.push(p);
    for (const id of p.removed) {
      assert.ok(this.everGiven.has(id), `removed names ${id}, which this device was never given`);
      this.everRemoved.add(id);
    }
    for (const r of p.records) this.everGiven.add(r.id);
    this.applier ??= new PageApplier(this.files, { main: this.main, build: this.build });
    this.applier.apply(p);
    if (p.hasMore) {
      ({ main: this.main, build: this.build } = this.applier.openFiles());
    } else {
      this.main = this.applier.result();
      this.build = null;
      this.applier = null;
    }
  }

  /** Pages until hasMore is false; returns the pages of this run. */
  async syncAll(limit?: number, maxPages = 1000): Promise<SyncChanges[]> {
    const run: SyncChanges[] = [];
    for (let i = 0; i < maxPages; i++) {
      const p = await this.page(limit);
      run.push(p);
      if (!p.hasMore) return run;
    }
    throw new Error('sync did not finish');
  }

  ids(): string[] {
    return [...this.records.keys()].sort();
  }
}

export const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

const TABLES = new Set<string>([
  'server_meta', 'databases', 'users', 'memberships', 'invites', 'devices', 'sessions', 'login_failures', 'records',
  'revisions', 'grants', 'record_keys', 'roles', 'role_members', 'seals', 'releases', 'release_approvals', 'changes',
  'audit', 'offline_devices', 'offline_held', 'offline_gone',
] satisfies Array<keyof Tables>);

/** One statement seen by the spy: its kind (SelectQueryNode, UpdateQueryNode, ...) and every table it names. */
export interface SeenQuery {
  kind: string;
  tables: string[];
}

/** Records every statement run through the storage it is plugged into (to prove what a request touches). */
export class QuerySpy implements KyselyPlugin {
  seen: SeenQuery[] = [];
  /**
   * When set, awaited after each statement has run and before its result reaches the caller: a test can
   * commit a concurrent write at an exact point of a request's transaction (a race made deterministic).
   */
  afterQuery: ((q: SeenQuery) => Promise<void> | void) | null = null;
  private readonly byId = new WeakMap<object, SeenQuery>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    // Column references name their table alias too (TableNode 'd' of "databases as d"): keep real tables only.
    const tables = tablesOf(args.node).filter((t) => TABLES.has(t));
    const q = { kind: args.node.kind, tables: [...new Set(tables)].sort() };
    this.seen.push(q);
    this.byId.set(args.queryId, q);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const q = this.byId.get(args.queryId);
    if (q && this.afterQuery) await this.afterQuery(q);
    return args.result;
  }
}

function tablesOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) tablesOf(n, out);
  } else if (node && typeof node === 'object') {
    const o = node as { kind?: unknown; table?: { identifier?: { name?: unknown } } };
    if (o.kind === 'TableNode' && typeof o.table?.identifier?.name === 'string') out.push(o.table.identifier.name);
    for (const v of Object.values(node)) tablesOf(v, out);
  }
  return out;
}

/** A listening server whose storage reports every statement to `spy`; otherwise like startTestServer. */
export async function startSpyServer(backend: Backend, clock: Clock): Promise<TestServer & { spy: QuerySpy; serverId: string }> {
  const st = await openTestStorage(backend);
  const spy = new QuerySpy();
  const storage: Storage = { db: st.storage.db.withPlugin(spy), dialect: st.storage.dialect, close: () => st.storage.close() };
  const signer = await loadServerSigner(st.storage.db);
  const serverId = await loadServerId(st.storage);
  const app = await buildApp({ storage, clock, signer, serverId, limits: resolveLimits() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    backend,
    storage: st.storage,
    clock,
    admin: new AdminService(st.storage.db, clock),
    app,
    dataDir: st.dataDir,
    databaseUrl: st.databaseUrl,
    spy,
    serverId,
    close() {
      closing ??= (async () => {
        await app.close();
        await st.close();
      })();
      return closing;
    },
  };
}

/** A device key (12.4) registered for `u`'s device through PUT /v1/me/device-key. */
export interface DeviceKey {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export async function registerDeviceKey(url: string, u: TestUser): Promise<DeviceKey> {
  const pair = generateSigningKeyPair();
  const r = await api(url, 'PUT', '/v1/me/device-key', { token: u.token, body: { publicKey: toB64(pair.publicKey) } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return pair;
}

/** The body of a device request signed with `key` (orderId null: fetch orders; else acknowledge that order). */
export function deviceSigned(key: DeviceKey, deviceId: string, user: string, orderId: string | null, atMs: number): { user: string; at: string; signature: string } {
  const at = new Date(atMs).toISOString();
  return { user, at, signature: toB64(sign(key.privateKey, deviceRequestMessage({ device: deviceId, user, at, orderId }))) };
}

/** POST /v1/devices/:id/orders signed by the device key. */
export async function fetchOrders(url: string, u: TestUser, key: DeviceKey, atMs: number): Promise<{ status: number; body: unknown }> {
  return api(url, 'POST', `/v1/devices/${u.deviceId}/orders`, { body: deviceSigned(key, u.deviceId, u.name, null, atMs) });
}

/** POST /v1/devices/:id/orders/:orderId/ack signed by the device key. */
export async function ackOrder(url: string, u: TestUser, key: DeviceKey, orderId: string, atMs: number): Promise<{ status: number; body: unknown }> {
  return api(url, 'POST', `/v1/devices/${u.deviceId}/orders/${orderId}/ack`, { body: deviceSigned(key, u.deviceId, u.name, orderId, atMs) });
}
