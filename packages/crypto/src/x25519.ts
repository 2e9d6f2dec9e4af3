import { diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CryptoError } from './errors.js';
import { privateKeyObject, publicKeyObject, rawPrivate, rawPublic } from './keys.js';
import { assertBytes, toU8 } from './util.js';

export interface X25519KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export function generateX25519KeyPair(): X25519KeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublic(privateKey), privateKey: rawPrivate(privateKey) };
}

export function x25519PublicFromPrivate(privateKey: Uint8Array): Uint8Array {
  return rawPublic(x25519PrivateKeyObject(privateKey));
}

export function x25519PrivateKeyObject(privateKey: Uint8Array): KeyObject {
  assertBytes(privateKey, 32, 'privateKey');
  return privateKeyObject('X25519', privateKey);
}

/**
 * X25519(scalar, u) per RFC 7748 (clamping and masking of u's top bit done by OpenSSL).
 * An all-zero result (small-order u) is refused, as RFC 9180 §7.1.4 requires.
 */
export function x25519(privateKey: Uint8Array | KeyObject, publicKey: Uint8Array): Uint8Array {
  const sk = privateKey instanceof Uint8Array ? x25519PrivateKeyObject(privateKey) : privateKey;
  assertBytes(publicKey, 32, 'publicKey');
  let out: Uint8Array;
  try {
    out = toU8(diffieHellman({ privateKey: sk, publicKey: publicKeyObject('X25519', publicKey) }));
  } catch {
    throw new CryptoError('bad_input', 'X25519 failed: invalid or small-order public key');
  }
  let acc = 0;
  for (const b of out) acc |= b;
  if (acc === 0) throw new CryptoError('bad_input', 'X25519 failed: invalid or small-order public key');
  return out;
}
