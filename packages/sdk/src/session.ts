/**
 * Sessions: register, login, opening an account from the master password or SAFEHOLD_SESSION,
 * unlock/lock/logout, passwd and `use DB`. Nothing unlocked is ever written to disk in plain.
 */
import { SafeholdError, asDatabaseId } from '@safehold/protocol';
import type { Session } from '@safehold/protocol/api';
import type { AccountRef, ClientContext } from './context.js';
import { SafeholdEvents } from './events.js';
import { ApiClient, checkServerUrl, normalizeServerUrl } from './http.js';
import type { AccountFile, Home } from './home.js';
import {
  Keyring,
  constantTimeEqual,
  fromB64,
  kdfFromWire,
  newAccountKeys,
  openPrivateKey,
  openSessionCopy,
  openToken,
  openUserKey,
  derive,
  sealToken,
  toB64,
  unlockWithPassword,
  zero,
} from './keys/index.js';
import { attachAddons } from './addons.js';
import { acceptServerKey } from './serverkey.js';
import { signOwnUnsignedRoles } from './rolekeys.js';
import { passwordChangedElsewhere } from './passwdelsewhere.js';
import { checkThrottle, noteUnlock } from './offline/throttle.js';
import { generateSigningKeyPairForLogin, newDeviceKey } from './devicekey.js';

/** Asks for a password: the current master password, or a new one (register, passwd). */
export { accountTransport, postLogin, type PasswordPrompt, type SessionOptions } from './sessionkeys.js';
export { derive, kdfFromWire, kdfToWire, openPrivateKey, openUserKey } from './keys/index.js';
import { accountTransport, postLogin, type SessionOptions } from './sessionkeys.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';


function pickDb(account: AccountFile, wanted: string | null | undefined): string | null {
  if (wanted) return wanted;
  if (account.db) return account.db;
  return account.databases.length === 1 ? (account.databases[0]?.name ?? null) : null;
}

/** Picks the account of --server/--user, else the last one logged in; throws when none fits. */
export function resolveAccount(home: Home, server?: string | null, user?: string | null): AccountFile {
  const srv = server ? normalizeServerUrl(server) : null;
  if (srv && user) {
    const a = home.readAccount(srv, user);
    if (!a) throw notLoggedIn(srv, user);
    return a;
  }
  const last = home.readState().lastAccount;
  let candidates = home.listAccounts();
  if (srv) candidates = candidates.filter((a) => a.server === srv);
  if (user) candidates = candidates.filter((a) => a.user === user);
  if (last && (!srv || last.server === srv) && (!user || last.user === user)) {
    const a = candidates.find((c) => c.server === last.server && c.user === last.user);
    if (a) return a;
  }
  if (candidates.length === 1 && candidates[0]) return candidates[0];
  if (candidates.length > 1) {
    throw new SafeholdError('bad_request', `several accounts match on this device: pick one with --server URL and --user NAME`);
  }
  throw notLoggedIn(srv, user ?? null);
}

function notLoggedIn(server: string | null, user: string | null): SafeholdError {
  const who = user ? ` as ${user}` : '';
  const where = server ? ` on ${server}` : '';
  return new SafeholdError('unauthorized', `not logged in${who}${where} on this device: run \`safehold login --server URL --user NAME\` (or \`safehold register\`)`);
}

interface Unlocked {
  account: AccountFile;
  userKey: Uint8Array;
  authKey: Uint8Array | null;
  sessionKey: Uint8Array | null;
}

/** Builds the context of an unlocked account; the token is reused while valid, re-obtained on demand. */
function buildContext(opts: SessionOptions, u: Unlocked, token: string | null): ClientContext {
  const { home } = opts;
  const account = u.account;
  const events = opts.events ?? new SafeholdEvents();
  const clock = opts.clock ?? Date.now;
  const device = home.device();
  const privateKey = openPrivateKey(u.userKey, account);
  const secrets = { authKey: u.authKey, sessionKey: u.sessionKey };
  const ref: AccountRef = { server: account.server, user: account.user, db: pickDb(account, opts.db) };
  // eslint-disable-next-line prefer-const -- assigned after the closures that use it are made
  let ctx: ClientContext;
  const api = new ApiClient({
    baseUrl: account.server,
    token,
    transport: accountTransport(opts, account),
    ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    reauth: async () => {
      if (!secrets.authKey) return null;
      const session = await postLogin(api, account.user, secrets.authKey, device, account.deviceKey?.publicKey);
      if (account.deviceKey) account.deviceKey.registered = true;
      await applySession(ctx, session);
      return session.token;
    },
  });
  const keyring = new Keyring({
    user: account.user,
    userKey: u.userKey,
    privateKey,
    publicKey: fromB64(account.publicKey),
    // Any contact that loads the roles also signs this user's own unsigned roles (the 12.2 migration).
    loadRoles: async (db) => signOwnUnsignedRoles(ctx, db, (await api.call(E.listRoles, { db: asDatabaseId(db) })).roles),
  });
  ctx = { home, account: ref, accountFile: account, device, api, keyring, events, secrets, clock };
  attachAddons(ctx);
  return ctx;
}


/** Stores what a fresh session says (databases, token) and checks the pinned server key (a rotation must be signed). */
async function applySession(ctx: ClientContext, s: Session): Promise<void> {
  const a = ctx.accountFile;
  if (s.user !== a.user) throw new SafeholdError('integrity', 'the server answered a login for another user');
  if (!constantTimeEqual(fromB64(s.signingPublicKey), fromB64(a.signingPublicKey))) {
    await acceptServerKey({ api: ctx.api, home: ctx.home, account: a, userKey: ctx.keyring.userKey, deviceId: ctx.device.id, presented: s.signingPublicKey, events: ctx.events });
  }
  a.databases = s.databases;
  a.admin = s.admin;
  ctx.home.writeAccount(a);
  saveToken(ctx.home, a, ctx.keyring.userKey, s);
  if (!ctx.account.db) ctx.account.db = pickDb(a, null);
}

function saveToken(home: Home, a: AccountFile, userKey: Uint8Array, s: Session): void {
  home.writeToken(a.server, a.user, { tokenEnc: sealToken(userKey, a.server, a.user, s.token), expiresAt: s.expiresAt });
}

function loadToken(home: Home, a: AccountFile, userKey: Uint8Array, now: number): string | null {
  const t = home.readToken(a.server, a.user);
  if (!t || Date.parse(t.expiresAt) <= now) return null;
  return openToken(userKey, a.server, a.user, t.tokenEnc);
}

/** Opens the account picked by the options with SAFEHOLD_SESSION or the master password (no network needed). */
export async function openSession(opts: SessionOptions): Promise<ClientContext> {
  const account = resolveAccount(opts.home, opts.server, opts.user);
  // Before any password is asked for: an account on plain http:// to a remote host needs --insecure-http.
  checkServerUrl(account.server, accountTransport(opts, account));
  const now = (opts.clock ?? Date.now)();
  let unlocked: Unlocked | null = null;
  if (opts.sessionKey) unlocked = openWithSessionKey(opts.home, account, opts.sessionKey);
  if (!unlocked) {
    // The local unlock needs no server, so it is what someone holding this home (or its offline copy) would
    // try passwords against: after repeated failures each attempt waits (exit 6 with the wait), see throttle.ts.
    checkThrottle(opts.home, account.server, account.user, now);
    const password = await opts.password('current');
    const opened = await unlockWithPassword(password, account.kdf, account);
    if (!opened) {
      // The password may have been changed on another device: the server then knows the new parameters.
      const fresh = await passwordChangedElsewhere(opts, account, password);
      if (!fresh) {
        noteUnlock(opts.home, account.server, account.user, false, now);
        throw new SafeholdError('bad_credentials', 'wrong master password');
      }
      noteUnlock(opts.home, account.server, account.user, true, now);
      const ctx = buildContext(opts, { account, userKey: fresh.userKey, authKey: fresh.authKey, sessionKey: null }, fresh.session.token);
      saveToken(opts.home, account, fresh.userKey, fresh.session);
      return ctx;
    }
    noteUnlock(opts.home, account.server, account.user, true, now);
    unlocked = { account, userKey: opened.userKey, authKey: opened.authKey, sessionKey: null };
  }
  return buildContext(opts, unlocked, loadToken(opts.home, account, unlocked.userKey, now));
}

function openWithSessionKey(home: Home, account: AccountFile, sessionKeyB64: string): Unlocked | null {
  const file = home.readUnlock(account.server, account.user);
  if (!file) return null;
  const copy = openSessionCopy(sessionKeyB64, file.enc, account.server, account.user);
  if (!copy) {
    throw new SafeholdError('unauthorized', 'SAFEHOLD_SESSION does not unlock this account (stale or for another account): run `safehold unlock` again or unset it');
  }
  return { account, ...copy };
}

/** Registers with an invite: makes the keys, uploads only what spec §4 allows, pins the server key, logs in. */
export async function register(opts: SessionOptions & { server: string; user: string; invite: string }): Promise<ClientContext> {
  checkServerUrl(opts.server, opts.transport);
  const server = normalizeServerUrl(opts.server);
  const user = opts.user;
  const api = new ApiClient({ baseUrl: server, transport: opts.transport ?? {}, ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
  const { signingPublicKey, serverId } = await api.call(E.serverKey, {});
  const password = await opts.password('new');
  const { kdf, authKey, userKey, userKeyEnc, publicKey, privateKeyEnc } = await newAccountKeys(user, password);
  const device = opts.home.device();
  const deviceKey = newDeviceKey(userKey, { server, user });
  const session = await api.call(E.register, {}, {
    user,
    invite: opts.invite,
    kdf,
    authKey: toB64(authKey),
    userKeyEnc,
    publicKey,
    privateKeyEnc,
    device: { id: device.id, name: device.name, publicKey: deviceKey.publicKey },
  });
  api.close();
  if (!constantTimeEqual(fromB64(session.signingPublicKey), fromB64(signingPublicKey))) {
    throw new SafeholdError('integrity', 'the server answered with a signing key other than the one it published');
  }
  const account: AccountFile = {
    server,
    user,
    db: null,
    databases: session.databases,
    admin: session.admin,
    kdf,
    userKeyEnc,
    publicKey,
    privateKeyEnc,
    signingPublicKey,
    pinnedKeys: {},
    ...(serverId ? { serverId } : {}),
    ...(opts.transport?.insecureHttp && new URL(server).protocol === 'http:' ? { insecureHttp: true } : {}),
    deviceKey: { ...deviceKey, registered: true },
  };
  opts.home.writeAccount(account);
  saveToken(opts.home, account, userKey, session);
  opts.home.writeState({ lastAccount: { server, user } });
  return buildContext({ ...opts, server, user }, { account, userKey, authKey, sessionKey: null }, session.token);
}

/** Logs in (prelogin, derive, login), stores the account on this device, then runs the after-login sync. */
export async function login(opts: SessionOptions & { server: string; user: string }): Promise<ClientContext> {
  checkServerUrl(opts.server, opts.transport);
  const server = normalizeServerUrl(opts.server);
  const user = opts.user;
  const api = new ApiClient({ baseUrl: server, transport: opts.transport ?? {}, ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
  const pre = await api.call(E.prelogin, {}, { user });
  const password = await opts.password('current');
  const { authKey, kek } = await derive(password, kdfFromWire(pre.kdf));
  const device = opts.home.device();
  const known = opts.home.readAccount(server, user);
  // The device key is wrapped by the user key, which only the login answer opens: a new one is made
  // before the login (sent with it) and wrapped after; a key already stored for this account is kept.
  const pending = known?.deviceKey ? null : generateSigningKeyPairForLogin();
  const session = await postLogin(api, user, authKey, device, known?.deviceKey?.publicKey ?? pending?.publicKeyB64);
  const userKey = openUserKey(kek, { user, userKeyEnc: session.userKeyEnc });
  zero(kek);
  if (!userKey) {
    api.close();
    throw new SafeholdError('integrity', 'your user key failed integrity check: the server sent data that was tampered with or corrupted');
  }
  if (known && !constantTimeEqual(fromB64(known.signingPublicKey), fromB64(session.signingPublicKey))) {
    try {
      await acceptServerKey({ api, home: opts.home, account: known, userKey, deviceId: device.id, presented: session.signingPublicKey, ...(opts.events ? { events: opts.events } : {}) });
    } catch (e) {
      zero(userKey, authKey);
      throw e;
    } finally {
      api.close();
    }
  }
  api.close();
  const account: AccountFile = {
    server,
    user,
    db: known?.db ?? null,
    databases: session.databases,
    admin: session.admin,
    kdf: session.kdf,
    userKeyEnc: session.userKeyEnc,
    publicKey: session.publicKey,
    privateKeyEnc: session.privateKeyEnc,
    signingPublicKey: known?.signingPublicKey ?? session.signingPublicKey,
    pinnedKeys: known?.pinnedKeys ?? {},
    ...(known?.serverId ? { serverId: known.serverId } : {}),
    ...((opts.transport?.insecureHttp || known?.insecureHttp) && new URL(server).protocol === 'http:' ? { insecureHttp: true } : {}),
    ...(known?.deviceKey ? { deviceKey: { ...known.deviceKey, registered: true } } : pending ? { deviceKey: pending.wrap(userKey, server, user) } : {}),
  };
  // Check the key pair before storing anything.
  zero(openPrivateKey(userKey, account));
  opts.home.writeAccount(account);
  saveToken(opts.home, account, userKey, session);
  opts.home.writeState({ lastAccount: { server, user } });
  const ctx = buildContext({ ...opts, server, user }, { account, userKey, authKey, sessionKey: null }, session.token);
  await ctx.events.lifecycle('loggedIn', ctx);
  return ctx;
}

