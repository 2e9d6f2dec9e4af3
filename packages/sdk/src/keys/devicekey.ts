/**
 * The device key's crypto (issue 12.4): an Ed25519 pair per account and device, its private key wrapped
 * by the user key, and the signature of a device request.
 */
import { decrypt, encrypt, fromB64, generateSigningKeyPair, sign, toB64, utf8, zero } from '@safehold/crypto';
import { SafeholdError } from '@safehold/protocol';

/** The device key as the account file keeps it. */
export interface WrappedDeviceKey {
  publicKey: string;
  /** The Ed25519 private key (seed), wrapped by the user key. */
  privateKeyEnc: string;
}

const deviceKeyAad = (server: string, user: string): Uint8Array => utf8(`safehold/v1/local/device-key/${server}/${user}`);

function wrap(userKey: Uint8Array, pair: { publicKey: Uint8Array; privateKey: Uint8Array }, server: string, user: string): WrappedDeviceKey {
  const privateKeyEnc = toB64(encrypt(userKey, pair.privateKey, deviceKeyAad(server, user)));
  zero(pair.privateKey);
  return { publicKey: toB64(pair.publicKey), privateKeyEnc };
}

/** A fresh device key wrapped by the user key. */
export function newWrappedDeviceKey(userKey: Uint8Array, server: string, user: string): WrappedDeviceKey {
  return wrap(userKey, generateSigningKeyPair(), server, user);
}

/** A device key made before the login that registers it; wrapped by the user key once the login answer opens it. */
export function pendingDeviceKey(): { publicKeyB64: string; wrap(userKey: Uint8Array, server: string, user: string): WrappedDeviceKey } {
  const pair = generateSigningKeyPair();
  return { publicKeyB64: toB64(pair.publicKey), wrap: (userKey, server, user) => wrap(userKey, pair, server, user) };
}

/** Signs `message` with the wrapped device key (opened and zeroed here). */
export function signWithDeviceKey(userKey: Uint8Array, key: WrappedDeviceKey, server: string, user: string, message: Uint8Array): string {
  let priv: Uint8Array;
  try {
    priv = decrypt(userKey, fromB64(key.privateKeyEnc), deviceKeyAad(server, user));
  } catch {
    throw new SafeholdError('integrity', 'the device key of this account failed its integrity check');
  }
  try {
    return toB64(sign(priv, message));
  } finally {
    zero(priv);
  }
}
