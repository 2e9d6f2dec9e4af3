/**
 * Test fixture of the record/rights/seal specs: a real server (./server.ts), users registered over HTTP
 * with fake key material (the server never decrypts), and small request helpers. Not used at run time.
 */
import assert from 'node:assert/strict';
import type { ErrorBody } from '@safehold/protocol';
import type { Grants, RecordWire, Right } from '@safehold/protocol/api';
import { api, b64, newId, registerTestUser, startTestServer, type ApiAnswer, type Backend, type TestServer } from './index.js';
import type { Clock } from '@safehold/server';

/** One logged-in user talking to one database of the test server. */
export class Client {
  constructor(
    readonly server: TestServer,
    readonly name: string,
    readonly token: string,
    readonly db: string,
  ) {}

  /** A request under /v1/db/:db (path starts with '/'). */
  req<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    return api<T>(this.server.url, method, `/v1/db/${this.db}${path}`, { token: this.token, ...(body !== undefined ? { body } : {}) });
  }

  /** The same user in another database (it must be a member there for anything but 404). */
  in(db: string): Client {
    return new Client(this.server, this.name, this.token, db);
  }
}

export interface Harness {
  server: TestServer;
  users: Record<string, Client>;
  close(): Promise<void>;
}

/** Starts a server on `backend` with database `main` and the named users registered in it. */
export async function startHarness(backend: Backend, names: readonly string[], opts: { clock?: Clock } = {}): Promise<Harness> {
  const server = await startTestServer({ backend, ...(opts.clock ? { clock: opts.clock } : {}) });
  const users: Record<string, Client> = {};
  try {
    for (const n of names) {
      const u = await registerTestUser(server, n, 'main');
      users[n] = new Client(server, n, u.token, 'main');
    }
  } catch (e) {
    await server.close();
    throw e;
  }
  return { server, users, close: () => server.close() };
}

/** The user named `n` (fails the test when absent). */
export function user(h: Harness, n: string): Client {
  const c = h.users[n];
  assert.ok(c, `no test user ${n}`);
  return c;
}

export const keys = () => ({ header: b64(60), secret: b64(60) });

export interface NewRecord {
  id: string;
  revision: string;
  header: string;
  secret: string;
  keys: { header: string; secret: string };
  wire: RecordWire;
}

/** Creates a record as `c` (asserting success). */
export async function newRecord(c: Client, opts: { masked?: boolean } = {}): Promise<NewRecord> {
  const body = { id: newId(), revision: newId(), header: b64(48), secret: b64(48), keys: keys(), masked: opts.masked ?? false };
  const r = await c.req<RecordWire>('POST', '/records', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { ...body, wire: r.body };
}

/** Shares record `id` from `owner` to a user or role with exactly `rights` (asserting success). */
export async function share(
  owner: Client,
  id: string,
  grantee: { user: string } | { role: string },
  rights: Right[],
  withKeys: { header: string; secret: string | null } | null = keys(),
): Promise<Grants> {
  const body = {
    grantee: 'user' in grantee ? { kind: 'user', user: grantee.user } : { kind: 'role', role: grantee.role },
    rights,
    ...(withKeys ? { keys: withKeys } : {}),
  };
  const r = await owner.req<Grants>('PUT', `/records/${id}/grants`, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Asserts an error answer with that status and code. */
export function assertError(r: ApiAnswer<unknown>, status: number, code: string): void {
  const err = (r.body as ErrorBody | null)?.error;
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(err?.code, code);
}

/** A fresh random id. */
export const rid = (): string => newId();
