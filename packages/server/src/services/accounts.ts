/**
 * Accounts: prelogin, registration with an invite, login, sessions, the caller's profile, password
 * change, public keys and database membership. No HTTP here: routes call these with parsed input.
 */
import { createHmac } from 'node:crypto';
import { SafeholdError, isName } from '@safehold/protocol';
import type { ChangePasswordRequest, DbInfo, KdfParams, LoginRequest, Me, PreloginResponse, RegisterRequest, Session } from '@safehold/protocol/api';
import { fromB64, hashAuthKey, randomBytes, toB64, verifyAuthKey, zero } from '@safehold/crypto';
import { hashSecret } from './tokens.js';
import { inTransaction, type Conn } from '../repositories/db.js';
import * as A from '../repositories/accounts.js';
import type { Clock } from '../clock.js';
import { LAST_SEEN_COALESCE_MS, SESSION_TTL_MS, type RateLimits } from '../config.js';
import type { ServerSigner } from './serverkey.js';
import { getOrCreateMeta } from './serverkey.js';
import { writeAudit } from './audit.js';
import type { Caller } from '../caller.js';
import {
  assertNotLimited,
  assertRegisterAllowed,
  claimUserAttempt,
  clearUserFailures,
  oneAttemptAtATime,
  recordFailure,
  recordRegisterFailure,
  slowDown,
} from './ratelimit.js';

export interface AccountsDeps {
  db: Conn;
  clock: Clock;
  signer: ServerSigner;
  limits: RateLimits;
  /** The Argon2id hashing of auth keys (injected by tests to count it). */
  hashAuthKey?: (authKey: Uint8Array) => Promise<string>;
}

/** Who is calling, after a session check: THE Caller (caller.ts). */
export type { Caller };

export { hashSecret };

// Parameters a new client uses (crypto's newKdfParams): fake answers must look the same.
const FAKE_KDF = { alg: 'argon2id' as const, memoryKiB: 65536, iterations: 3, parallelism: 1 };

function decodeKey(b64: string, field: string, len = 32): Uint8Array {
  let k: Uint8Array;
  try {
    k = fromB64(b64);
  } catch {
    throw new SafeholdError('bad_request', `${field}: expected base64url`);
  }
  if (k.byteLength !== len) throw new SafeholdError('bad_request', `${field}: expected ${len} bytes`);
  return k;
}

let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= hashAuthKey(randomBytes(32));
  return dummy;
}

/** The device key of a request, checked: 32 raw bytes (Ed25519), or none. */
function deviceKeyOf(device: { publicKey?: string | undefined }): string | null {
  if (device.publicKey === undefined) return null;
  decodeKey(device.publicKey, 'device.publicKey');
  return device.publicKey;
}

/**
 * Registers or refreshes the caller's device. The device key (12.4) comes with the master password's
 * proof (register, login), so it is set, or replaced when the home made a new one.
 */
async function upsertDevice(trx: Conn, userId: string, device: { id: string; name: string; publicKey?: string | undefined }, now: number): Promise<void> {
  const publicKey = deviceKeyOf(device);
  const d = await A.deviceOf(trx, userId, device.id);
  if (d && d.revoked_at !== null) throw new SafeholdError('device_revoked', 'this device has been revoked');
  // A device id revoked for another account of the same home is revoked for this one too.
  const other = await A.revokedDeviceId(trx, device.id);
  if (other) throw new SafeholdError('device_revoked', 'this device has been revoked');
  if (d) await A.refreshDevice(trx, userId, device.id, publicKey ? { name: device.name, last_seen_at: now, public_key: publicKey } : { name: device.name, last_seen_at: now });
  else await A.insertDevice(trx, { id: device.id, user_id: userId, name: device.name, created_at: now, last_seen_at: now, revoked_at: null, public_key: publicKey });
}

async function createSession(trx: Conn, userId: string, deviceId: string, now: number): Promise<{ token: string; expiresAt: number }> {
  const raw = randomBytes(32);
  const token = toB64(raw);
  zero(raw);
  const expiresAt = now + SESSION_TTL_MS;
  await A.insertSession(trx, { token_hash: hashSecret(token), user_id: userId, device_id: deviceId, created_at: now, expires_at: expiresAt, last_seen_at: now });
  return { token, expiresAt };
}

/** The caller's databases with offline flags (R1, R2). */
export async function listMemberships(db: Conn, userId: string): Promise<DbInfo[]> {
  const rows = await A.membershipsOf(db, userId);
  return rows.map((r) => ({ name: r.name, offline: r.offline === 1, offlineRight: r.offline_right === 1, offlineDays: r.offline_days }));
}

async function buildSession(deps: AccountsDeps, name: string, deviceId: string, t: { token: string; expiresAt: number }): Promise<Session> {
  const u = await A.liveUserRow(deps.db, name);
  return {
    token: t.token,
    expiresAt: new Date(t.expiresAt).toISOString(),
    user: u.name,
    admin: u.admin === 1,
    device: deviceId,
    kdf: JSON.parse(u.kdf ?? '{}') as KdfParams,
    userKeyEnc: u.user_key_enc ?? '',
    publicKey: u.public_key ?? '',
    privateKeyEnc: u.private_key_enc ?? '',
    signingPublicKey: toB64(deps.signer.publicKey),
    databases: await listMemberships(deps.db, u.id),
  };
}

/** Resolves a bearer token to its caller. Expired or unknown -> unauthorized; revoked device -> device_revoked. */
export async function authenticate(db: Conn, clock: Clock, token: string): Promise<Caller & { tokenHash: string }> {
  const tokenHash = hashSecret(token);
  const now = clock.now();
  const s = await A.sessionByHash(db, tokenHash);
  if (!s || s.expires_at <= now || s.removed_at !== null) throw new SafeholdError('unauthorized', 'session expired or invalid; log in again');
  if (s.revoked_at !== null) throw new SafeholdError('device_revoked', 'this device has been revoked');
  if (now - s.last_seen_at >= LAST_SEEN_COALESCE_MS) {
    // Coalesced: at most one write a minute per session, so busy clients do not turn reads into writes.
    await A.touchSession(db, tokenHash, s.device_id, s.user_id, now);
  }
  return { userId: s.user_id, user: s.name, deviceId: s.device_id, admin: s.admin === 1, tokenHash };
}

export interface Membership {
  dbId: string;
  offlineEnabled: boolean;
  offlineRight: boolean;
  offlineDays: number;
}

/** The caller's membership of `dbName`; 404 not_found when the database does not exist or the caller is not a member. */
export async function requireMember(db: Conn, auth: { userId: string }, dbName: string): Promise<Membership> {
  if (!isName(dbName)) throw new SafeholdError('not_found', 'no such database');
  const r = await A.membership(db, auth.userId, dbName);
  if (!r) throw new SafeholdError('not_found', 'no such database');
  return { dbId: r.id, offlineEnabled: r.offline === 1, offlineRight: r.offline_right === 1, offlineDays: r.offline_days };
}

/** The account endpoints' rules, built once with storage, clock, signer, limits and hasher (http/services.ts). */
export class AccountService {
  constructor(private readonly deps: AccountsDeps) {}

  /** KDF parameters for `name`: the stored ones, or stable fake ones (unknown, pending or removed user). */
  async prelogin(name: string): Promise<PreloginResponse> {
    const db = this.deps.db;
    const u = await A.kdfOf(db, name);
    if (u && u.kdf && u.removed_at === null) return { kdf: JSON.parse(u.kdf) as KdfParams };
    const secret = await getOrCreateMeta(db, 'prelogin_secret', () => toB64(randomBytes(32)));
    const salt = createHmac('sha256', Buffer.from(secret, 'base64url')).update(`prelogin-salt\0${name}`).digest().subarray(0, 16);
    return { kdf: { ...FAKE_KDF, salt: salt.toString('base64url') } };
  }

  /** Registers a user invited by the Server Manager; returns a session for the registering device. */
  async register(req: RegisterRequest, address: string): Promise<Session> {
    const deps = this.deps;
    const authKey = decodeKey(req.authKey, 'authKey');
    decodeKey(req.publicKey, 'publicKey');
    const codeHash = hashSecret(req.invite);
    const now = deps.clock.now();
    // 12.8: rate-limited per address, and the invite is checked before any Argon2id work, so bad codes cost
    // the server one lookup. The transaction below checks it again (one invite, one account, under races).
    await assertRegisterAllowed(deps.db, deps.clock, deps.limits, address);
    const known = await A.inviteByCode(deps.db, codeHash);
    if (!known || known.name !== req.user || known.used_at !== null || known.expires_at <= now || known.auth_hash !== null || known.removed_at !== null) {
      zero(authKey);
      await recordRegisterFailure(deps.db, deps.clock, deps.limits, address);
      throw new SafeholdError('bad_invite', 'invite code unknown, already used or expired');
    }
    const authHash = await (deps.hashAuthKey ?? hashAuthKey)(authKey);
    zero(authKey);
    const token = await inTransaction(deps.db, async (trx) => {
      const inv = await A.inviteByCode(trx, codeHash);
      // One answer for unknown, used, expired, someone else's invite: the code is the secret.
      if (!inv || inv.name !== req.user || inv.used_at !== null || inv.expires_at <= now || inv.auth_hash !== null || inv.removed_at !== null) {
        throw new SafeholdError('bad_invite', 'invite code unknown, already used or expired');
      }
      if (!(await A.useInvite(trx, codeHash, now))) throw new SafeholdError('bad_invite', 'invite code unknown, already used or expired');
      await A.updateUser(trx, inv.user_id, {
        kdf: JSON.stringify(req.kdf),
        auth_hash: authHash,
        user_key_enc: req.userKeyEnc,
        public_key: req.publicKey,
        private_key_enc: req.privateKeyEnc,
      });
      // Other pending invites of this user die with the registration.
      await A.useInvitesOf(trx, inv.user_id, now);
      await upsertDevice(trx, inv.user_id, req.device, now);
      const t = await createSession(trx, inv.user_id, req.device.id, now);
      await writeAudit(trx, deps.clock, { db: null, actor: req.user, action: 'register', target: req.user, detail: { device: req.device.id, address } });
      return t;
    });
    return buildSession(deps, req.user, req.device.id, token);
  }

  /** Verifies the auth key and opens a session; failures are rate-limited per user and per address. */
  async login(req: LoginRequest, address: string): Promise<Session> {
    const deps = this.deps;
    const { db, clock, limits } = deps;
    const u = await oneAttemptAtATime(`${req.user}\0${address}`, async () => {
      await assertNotLimited(db, clock, limits, req.user, address);
      await claimUserAttempt(db, clock, limits, req.user, address);
      await slowDown(db, clock, limits, req.user);
      const row = await A.credentialsOf(db, req.user);
      let authKey: Uint8Array | null = null;
      try {
        authKey = fromB64(req.authKey);
      } catch {
        authKey = null;
      }
      const hash = row && row.removed_at === null ? row.auth_hash : null;
      // Unknown users cost the same Argon2 work as known ones, so timing does not tell them apart.
      const ok = await verifyAuthKey(hash ?? (await dummyHash()), authKey ?? new Uint8Array(32));
      zero(authKey);
      if (!ok || !hash || !row) {
        await recordFailure(db, clock, limits, req.user, address);
        await writeAudit(db, clock, { db: null, actor: req.user, action: 'login_failed', target: req.user, detail: { address, device: req.device.id } });
        throw new SafeholdError('bad_credentials', 'wrong user name or master password');
      }
      // The key is right: its claimed attempt is cleared even if the device turns out to be revoked.
      await clearUserFailures(db, req.user, address);
      return row;
    });
    const now = clock.now();
    const token = await inTransaction(db, async (trx) => {
      await upsertDevice(trx, u.id, req.device, now);
      const t = await createSession(trx, u.id, req.device.id, now);
      await writeAudit(trx, clock, { db: null, actor: req.user, action: 'login', target: req.user, detail: { address, device: req.device.id } });
      return t;
    });
    return buildSession(deps, req.user, req.device.id, token);
  }

  /** Ends one session. */
  async logout(auth: Caller, tokenHash: string): Promise<void> {
    const db = this.deps.db;
    const clock = this.deps.clock;
    await A.deleteSession(db, tokenHash);
    await writeAudit(db, clock, { db: null, actor: auth.user, action: 'logout', target: auth.user, detail: { device: auth.deviceId } });
  }

  async me(auth: Caller): Promise<Me> {
    const db = this.deps.db;
    const u = await A.profileOf(db, auth.userId);
    return { user: auth.user, admin: u.admin === 1, device: auth.deviceId, publicKey: u.public_key ?? '', databases: await listMemberships(db, auth.userId) };
  }

  /** Replaces kdf, auth hash and wrapped user key after checking the current auth key; nothing else changes. */
  async changePassword(auth: Caller, req: ChangePasswordRequest, address: string): Promise<void> {
    const deps = this.deps;
    const { db, clock, limits } = deps;
    await oneAttemptAtATime(`${auth.user}\0${address}`, async () => {
      await assertNotLimited(db, clock, limits, auth.user, address);
      await claimUserAttempt(db, clock, limits, auth.user, address);
      await slowDown(db, clock, limits, auth.user);
      const u = await A.authHashOf(db, auth.userId);
      let current: Uint8Array | null = null;
      try {
        current = fromB64(req.currentAuthKey);
      } catch {
        current = null;
      }
      const ok = u.auth_hash !== null && current !== null && (await verifyAuthKey(u.auth_hash, current));
      zero(current);
      if (!ok) {
        await recordFailure(db, clock, limits, auth.user, address);
        await writeAudit(db, clock, {
          db: null,
          actor: auth.user,
          action: 'login_failed',
          target: auth.user,
          detail: { address, device: auth.deviceId, during: 'password_change' },
        });
        throw new SafeholdError('bad_credentials', 'current master password is wrong');
      }
      await clearUserFailures(db, auth.user, address);
    });
    const next = decodeKey(req.authKey, 'authKey');
    const hash = await (deps.hashAuthKey ?? hashAuthKey)(next);
    zero(next);
    await inTransaction(db, async (trx) => {
      await A.updateUser(trx, auth.userId, { kdf: JSON.stringify(req.kdf), auth_hash: hash, user_key_enc: req.userKeyEnc });
      // 12.11: the other devices' sessions end; they sign in again with the new password.
      const ended = await A.endOtherSessions(trx, auth.userId, auth.deviceId);
      await writeAudit(trx, clock, {
        db: null,
        actor: auth.user,
        action: 'password_changed',
        target: auth.user,
        detail: { device: auth.deviceId, sessionsEnded: ended },
      });
    });
  }

  /**
   * Stores the caller's Ed25519 signing key (12.2). Set once: the client derives it from the user key, which never
   * changes, so the same key again is a no-op and a different one is a conflict.
   */
  async setSigningKey(auth: Caller, signingKey: string): Promise<void> {
    const db = this.deps.db;
    const row = await A.signingKeyOf(db, auth.userId);
    if (!row) throw new SafeholdError('unauthorized', 'no such user');
    if (row.signing_key === signingKey) return;
    if (row.signing_key !== null) throw new SafeholdError('conflict', 'a different signing key is already registered for this user');
    await A.setSigningKeyIfNone(db, auth.userId, signingKey);
  }

  /**
   * Sets the device key of the caller's device when it has none (a device registered before device keys,
   * 12.4). A session alone never replaces a key: a stolen token must not take over the wipe channel.
   */
  async setDeviceKey(auth: Caller, publicKey: string): Promise<void> {
    const db = this.deps.db;
    decodeKey(publicKey, 'publicKey');
    if (await A.setDeviceKeyIfNone(db, auth.userId, auth.deviceId, publicKey)) return;
    const cur = await A.deviceKey(db, auth.userId, auth.deviceId);
    if (cur?.public_key !== publicKey) throw new SafeholdError('conflict', 'this device already has another device key; log in again to replace it');
  }

  /** A user's public key, only when that user shares a database with the caller (404 otherwise: no user listing). */
  async publicKeyOf(auth: Caller, name: string): Promise<{ user: string; publicKey: string; signingKey: string | null }> {
    const db = this.deps.db;
    if (!isName(name)) throw new SafeholdError('not_found', 'no such user');
    const row = await A.sharedPublicKey(db, auth.userId, name);
    if (!row || !row.public_key) throw new SafeholdError('not_found', 'no such user');
    return { user: row.name, publicKey: row.public_key, signingKey: row.signing_key ?? null };
  }
}
