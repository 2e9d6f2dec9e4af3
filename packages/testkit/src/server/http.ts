/** Small helpers to talk to a test server over real HTTP (global fetch) without the SDK. */
import { randomBytes } from 'node:crypto';
import { randomId } from '@safehold/crypto';
import net from 'node:net';
import type { Session } from '@safehold/protocol/api';
import type { TestServer } from './server.js';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** One JSON request; body is JSON-encoded when given. Never throws on an HTTP error status. */
export async function api<T = unknown>(
  url: string,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const b64 = (n: number): string => randomBytes(n).toString('base64url');
/** A random id as clients make them (never begins with '-': ids are command-line arguments). */
export const newId = (): string => randomId();
export const newDeviceId = (): string => newId();

/** Fake KDF parameters and key material: the server stores them opaquely, so server tests need no client crypto. */
export function fakeRegistration(user: string, invite: string, deviceId = newDeviceId()) {
  const authKey = b64(32);
  return {
    authKey,
    body: {
      user,
      invite,
      kdf: { alg: 'argon2id' as const, memoryKiB: 65536, iterations: 3, parallelism: 1, salt: b64(16) },
      authKey,
      userKeyEnc: b64(60),
      publicKey: b64(32),
      privateKeyEnc: b64(60),
      device: { id: deviceId, name: 'test device' },
    },
  };
}

export interface TestUser {
  name: string;
  /** base64url of the 32-byte auth key this user logs in with. */
  authKey: string;
  deviceId: string;
  token: string;
  session: Session;
}

/**
 * Adds `name` to `db` through the Server Manager (creating the db if needed) and registers it over
 * HTTP with random key material. For server tests that need logged-in users without client crypto.
 */
export async function registerTestUser(server: TestServer, name: string, db: string, opts: { admin?: boolean } = {}): Promise<TestUser> {
  const dbs = await server.admin.listDbs();
  if (!dbs.some((d) => d.name === db)) await server.admin.createDb(db, {});
  const invite = await server.admin.addUser(name, db, { admin: !!opts.admin });
  if (!invite) throw new Error(`testkit: user ${name} exists already; use a new name`);
  const deviceId = newDeviceId();
  const reg = fakeRegistration(name, invite, deviceId);
  const r = await api<Session>(server.url, 'POST', '/v1/register', { body: reg.body });
  if (r.status !== 200) throw new Error(`testkit: register ${name} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { name, authKey: reg.authKey, deviceId, token: r.body.token, session: r.body };
}

/** Sends raw bytes to 127.0.0.1:`port` and resolves to everything the server answers before closing (for malformed HTTP). */
export function rawRequest(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString()));
    sock.on('error', reject);
    sock.on('close', () => resolve(out));
    sock.on('connect', () => sock.write(data));
  });
}
