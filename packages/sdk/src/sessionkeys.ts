/**
 * The key steps of a session that several modules share: options, the master password to keys, opening the
 * user key and own private key, the login request. Kept apart from session.ts so that passwdelsewhere.ts can use
 * them without a cycle.
 */
import { decrypt, deriveMasterKeys, fromB64, toB64, x25519PublicFromPrivate, constantTimeEqual, zero, type KdfParams } from '@safehold/crypto';
import { SafeholdError, privateKeyAad, userKeyAad } from '@safehold/protocol';
import type { KdfParams as WireKdf, Session } from '@safehold/protocol/api';
import type { SafeholdEvents } from './events.js';
import type { ApiClient, TransportOptions } from './http.js';
import type { AccountFile, Home } from './home.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
export type PasswordPrompt = (purpose: 'current' | 'new') => Promise<string>;

/** What picks and opens an account. */
export interface SessionOptions {
  home: Home;
  /** --server (any form; normalized here). */
  server?: string | null;
  /** --user */
  user?: string | null;
  /** --db */
  db?: string | null;
  password: PasswordPrompt;
  /** The SAFEHOLD_SESSION key (base64url), if set. */
  sessionKey?: string | null;
  events?: SafeholdEvents;
  clock?: () => number;
  connectTimeoutMs?: number;
  /** --ca-file / SAFEHOLD_CA_FILE and --insecure-http. */
  transport?: TransportOptions;
}

/** The transport of an account: the options given, plus the --insecure-http choice recorded at register/login. */
export function accountTransport(opts: SessionOptions, account: Pick<AccountFile, 'insecureHttp'>): TransportOptions {
  return { ...(opts.transport ?? {}), insecureHttp: opts.transport?.insecureHttp === true || account.insecureHttp === true };
}

/** Crypto's KDF params (salt bytes) from the wire form (salt base64url). */
export function kdfFromWire(w: WireKdf): KdfParams {
  return { alg: w.alg, memoryKiB: w.memoryKiB, iterations: w.iterations, parallelism: w.parallelism, salt: fromB64(w.salt) };
}
/** The wire form of KDF params. */
export function kdfToWire(k: KdfParams): WireKdf {
  return { alg: k.alg, memoryKiB: k.memoryKiB, iterations: k.iterations, parallelism: k.parallelism, salt: toB64(k.salt) };
}


/** Derives the auth key and KEK; invalid or weak parameters are refused as an integrity error. */
export async function derive(password: string, kdf: KdfParams): Promise<{ authKey: Uint8Array; kek: Uint8Array }> {
  try {
    return await deriveMasterKeys(password, kdf);
  } catch {
    throw new SafeholdError('integrity', 'the key-derivation parameters are invalid or too weak: refusing them');
  }
}

/** Opens the wrapped user key with a KEK; null when it does not open (wrong password). */
export function openUserKey(kek: Uint8Array, account: Pick<AccountFile, 'user' | 'userKeyEnc'>): Uint8Array | null {
  try {
    return decrypt(kek, fromB64(account.userKeyEnc), userKeyAad(account.user));
  } catch {
    return null;
  }
}

export function openPrivateKey(userKey: Uint8Array, account: Pick<AccountFile, 'user' | 'privateKeyEnc' | 'publicKey'>): Uint8Array {
  let priv: Uint8Array;
  try {
    priv = decrypt(userKey, fromB64(account.privateKeyEnc), privateKeyAad(account.user));
  } catch {
    throw new SafeholdError('integrity', 'your private key failed integrity check: the stored copy was tampered with or corrupted');
  }
  if (!constantTimeEqual(x25519PublicFromPrivate(priv), fromB64(account.publicKey))) {
    zero(priv);
    throw new SafeholdError('integrity', 'your private key does not match your public key: the stored copy was tampered with');
  }
  return priv;
}

/** The login request (anonymous: the auth key is the credential). */
export async function postLogin(api: ApiClient, user: string, authKey: Uint8Array, device: { id: string; name: string }, devicePublicKey?: string): Promise<Session> {
  const dev = devicePublicKey ? { id: device.id, name: device.name, publicKey: devicePublicKey } : { id: device.id, name: device.name };
  return api.call(E.login, {}, { user, authKey: toB64(authKey), device: dev });
}
