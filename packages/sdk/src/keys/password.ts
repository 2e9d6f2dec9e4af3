/**
 * The master password to keys, in one place for the online account and the offline database: Argon2id to
 * the auth key and the key-encryption key (KEK), the KEK opens the user key, the user key opens the own
 * X25519 private key. Also the making and re-wrapping of those keys at register and `passwd`.
 */
import {
  decrypt,
  deriveMasterKeys,
  encrypt,
  fromB64,
  generateX25519KeyPair,
  newKdfParams,
  randomKey,
  toB64,
  x25519PublicFromPrivate,
  constantTimeEqual,
  zero,
  type KdfParams,
} from '@safehold/crypto';
import { SafeholdError, privateKeyAad, userKeyAad } from '@safehold/protocol';
import type { KdfParams as WireKdf } from '@safehold/protocol/api';

/** Where a wrapped user key is kept (the account file, a login answer, the offline sidecar). */
export interface WrappedUserKey {
  user: string;
  /** The user key wrapped by the KEK (AAD userKeyAad). */
  userKeyEnc: string;
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
export function openUserKey(kek: Uint8Array, wrapped: WrappedUserKey): Uint8Array | null {
  try {
    return decrypt(kek, fromB64(wrapped.userKeyEnc), userKeyAad(wrapped.user));
  } catch {
    return null;
  }
}

/**
 * The password unlock: derives with `kdf` and opens `wrapped`. `userKey` is null for a wrong password (the
 * auth key is then zeroed too); the KEK never leaves this function.
 */
export async function unlockWithPassword(password: string, kdf: WireKdf, wrapped: WrappedUserKey): Promise<{ authKey: Uint8Array; userKey: Uint8Array } | null> {
  const { authKey, kek } = await derive(password, kdfFromWire(kdf));
  const userKey = openUserKey(kek, wrapped);
  zero(kek);
  if (!userKey) {
    zero(authKey);
    return null;
  }
  return { authKey, userKey };
}

/** Opens the own X25519 private key with the user key and checks it against the public key. */
export function openPrivateKey(userKey: Uint8Array, account: { user: string; privateKeyEnc: string; publicKey: string }): Uint8Array {
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

/** The user key wrapped for a (new) master password: fresh KDF parameters and salt, the auth key to send. */
export async function wrapUserKeyForPassword(userKey: Uint8Array, user: string, password: string): Promise<{ kdf: WireKdf; authKey: Uint8Array; userKeyEnc: string }> {
  const kdf = newKdfParams();
  const { authKey, kek } = await derive(password, kdf);
  const userKeyEnc = toB64(encrypt(kek, userKey, userKeyAad(user)));
  zero(kek);
  return { kdf: kdfToWire(kdf), authKey, userKeyEnc };
}

/** The keys of a new account (register): a random user key and an X25519 pair, wrapped for `password`. */
export async function newAccountKeys(
  user: string,
  password: string,
): Promise<{ kdf: WireKdf; authKey: Uint8Array; userKey: Uint8Array; userKeyEnc: string; publicKey: string; privateKeyEnc: string }> {
  const userKey = randomKey();
  const { kdf, authKey, userKeyEnc } = await wrapUserKeyForPassword(userKey, user, password);
  const pair = generateX25519KeyPair();
  const privateKeyEnc = toB64(encrypt(userKey, pair.privateKey, privateKeyAad(user)));
  zero(pair.privateKey);
  return { kdf, authKey, userKey, userKeyEnc, publicKey: toB64(pair.publicKey), privateKeyEnc };
}
