/**
 * Test helper (not product code): a user with real keys and a ClientContext around an in-test server,
 * and records encrypted exactly as the SDK does (self-wrapped, shared by HPKE, or held by a role).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deriveMasterKeys,
  encrypt,
  generateX25519KeyPair,
  newKdfParams,
  randomId,
  randomKey,
  toB64,
  utf8,
  wrapForRecipient,
  type X25519KeyPair,
} from '@safehold/crypto';
import { keyWrapAad, partAad, privateKeyAad, roleKeyAad, userKeyAad, type HeaderPlain, type SecretPlain } from '@safehold/protocol';
import type { KdfParams, RecordWire, RoleWire } from '@safehold/protocol/api';
import { ApiClient, Home, Keyring, SafeholdEvents, type AccountFile, type ClientContext } from '@safehold/sdk/internal';
import { FakeSyncServer } from './fakeserver.js';

export interface TestUser {
  user: string;
  password: string;
  userKey: Uint8Array;
  pair: X25519KeyPair;
  kdf: KdfParams;
  userKeyEnc: string;
  privateKeyEnc: string;
}

/** A user with real Argon2id-derived wrapping (the minimum parameters). */
export async function makeUser(user: string, password: string): Promise<TestUser> {
  const kdf = newKdfParams();
  const mk = await deriveMasterKeys(password, kdf);
  const userKey = randomKey();
  const pair = generateX25519KeyPair();
  return {
    user,
    password,
    userKey,
    pair,
    kdf: { alg: 'argon2id', memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism, salt: toB64(kdf.salt) },
    userKeyEnc: toB64(encrypt(mk.kek, userKey, userKeyAad(user))),
    privateKeyEnc: toB64(encrypt(userKey, pair.privateKey, privateKeyAad(user))),
  };
}

export interface RecordSpec {
  name: string;
  username?: string;
  url?: string;
  notes?: string;
  password?: string;
  tags?: string[];
  masked?: boolean;
  sealed?: boolean;
  rights?: RecordWire['rights'];
  /** How the keys reach the user: own user key, HPKE for the user's public key, or for a role. */
  holder?: 'self' | 'shared' | { role: string; publicKey: Uint8Array };
  id?: string;
}

/** A wire record as the server would send it to `u`. */
export function makeWire(u: TestUser, db: string, s: RecordSpec): RecordWire {
  const id = s.id ?? randomId();
  const revision = randomId();
  const hk = randomKey();
  const sk = randomKey();
  const header: HeaderPlain = {
    name: s.name,
    username: s.username ?? '',
    url: s.url ?? '',
    notes: s.notes ?? '',
    tags: s.tags ?? [],
    fields: [],
    secretFieldNames: [],
  };
  const secret: SecretPlain = { password: s.password ?? '', fields: [] };
  const holder = s.holder ?? 'self';
  const holderStr = typeof holder === 'object' ? `role:${holder.role}` : `user:${u.user}`;
  const wrap = (part: 'header' | 'secret', key: Uint8Array): string => {
    const aad = keyWrapAad(id, part, holderStr);
    if (holder === 'self') return toB64(encrypt(u.userKey, key, aad));
    if (holder === 'shared') return toB64(wrapForRecipient(u.pair.publicKey, key, aad));
    return toB64(wrapForRecipient(holder.publicKey, key, aad));
  };
  const now = new Date().toISOString();
  return {
    id,
    db,
    revision,
    creator: 'owner',
    createdAt: now,
    updatedAt: now,
    updatedBy: 'owner',
    masked: s.masked ?? false,
    sealed: s.sealed ?? false,
    seal: null,
    header: toB64(encrypt(hk, utf8(JSON.stringify(header)), partAad(id, 'header', revision))),
    secret: s.sealed ? null : toB64(encrypt(sk, utf8(JSON.stringify(secret)), partAad(id, 'secret', revision))),
    keys: { header: wrap('header', hk), secret: s.sealed ? null : wrap('secret', sk) },
    keyHolder: typeof holder === 'object' ? { kind: 'role', role: holder.role } : { kind: 'user', user: u.user },
    rights: s.rights ?? ['read', 'export'],
  };
}

/** A role the user is a member of (its private key wrapped for the user). */
export function makeRole(u: TestUser, db: string, name: string): { wire: RoleWire; publicKey: Uint8Array } {
  const pair = generateX25519KeyPair();
  return {
    publicKey: pair.publicKey,
    wire: {
      name,
      db,
      creator: u.user,
      publicKey: toB64(pair.publicKey),
      members: [u.user],
      myKey: toB64(wrapForRecipient(u.pair.publicKey, pair.privateKey, roleKeyAad(db, name, u.user))),
    },
  };
}

export interface TestContext extends ClientContext {
  now: { value: number };
}

/** A temp home (removed after the test) and a context for `u` on `server`. */
export function makeContext(
  t: { after: (fn: () => void) => void },
  u: TestUser,
  opts: { server: string; db: string; signingPublicKey: string; homeDir?: string; roles?: RoleWire[]; now?: number },
): TestContext {
  let dir = opts.homeDir;
  if (!dir) {
    const d = mkdtempSync(join(tmpdir(), 'safehold-offline-'));
    t.after(() => rmSync(d, { recursive: true, force: true }));
    dir = d;
  }
  const home = new Home(dir);
  const device = home.device();
  const accountFile: AccountFile = {
    server: opts.server,
    user: u.user,
    db: opts.db,
    databases: [{ name: opts.db, offline: true, offlineRight: true, offlineDays: 7 }],
    admin: false,
    kdf: u.kdf,
    userKeyEnc: u.userKeyEnc,
    publicKey: toB64(u.pair.publicKey),
    privateKeyEnc: u.privateKeyEnc,
    signingPublicKey: opts.signingPublicKey,
    pinnedKeys: {},
  };
  home.writeAccount(accountFile);
  const api = new ApiClient({ baseUrl: opts.server, token: 'test-token-0123456789abcdef', connectTimeoutMs: 2000 });
  t.after(() => api.close());
  const now = { value: opts.now ?? Date.UTC(2026, 10, 23, 12, 0, 0) };
  const roles = opts.roles ?? [];
  return {
    home,
    account: { server: opts.server, user: u.user, db: opts.db },
    accountFile,
    device,
    api,
    keyring: new Keyring({
      user: u.user,
      userKey: new Uint8Array(u.userKey),
      privateKey: new Uint8Array(u.pair.privateKey),
      publicKey: u.pair.publicKey,
      loadRoles: async () => roles,
    }),
    events: new SafeholdEvents(),
    secrets: { authKey: null, sessionKey: null },
    clock: () => now.value,
    now,
  };
}

/** One user, a fake sync server and a context, all cleaned up after the test. */
export async function setupOffline(
  t: { after: (fn: () => Promise<void> | void) => void },
  opts: { roles?: boolean; homeDir?: string; user?: string } = {},
): Promise<{ u: TestUser; srv: FakeSyncServer; ctx: TestContext; role: ReturnType<typeof makeRole> }> {
  const u = await makeUser(opts.user ?? 'alice', 'correct horse battery staple');
  const srv = new FakeSyncServer({ user: u.user, db: 'main' });
  await srv.start(t);
  const role = makeRole(u, 'main', 'ops');
  const ctx = makeContext(t, u, {
    server: srv.url,
    db: 'main',
    signingPublicKey: toB64(srv.signing.publicKey),
    roles: [role.wire],
    ...(opts.homeDir ? { homeDir: opts.homeDir } : {}),
  });
  srv.device = ctx.device.id;
  srv.now = ctx.now.value;
  return { u, srv, ctx, role };
}
