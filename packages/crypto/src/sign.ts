import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { privateKeyObject, publicKeyObject, rawPrivate, rawPublic } from './keys.js';
import { assertBytes, toU8 } from './util.js';

export interface Ed25519KeyPair {
  /** raw 32-byte public key */
  publicKey: Uint8Array;
  /** raw 32-byte seed (RFC 8032 private key) */
  privateKey: Uint8Array;
}

export function generateSigningKeyPair(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: rawPublic(privateKey), privateKey: rawPrivate(privateKey) };
}

export function signingPublicFromPrivate(privateKey: Uint8Array): Uint8Array {
  return rawPublic(privateKeyObject('Ed25519', privateKey));
}

/** Ed25519 signature (64 bytes, deterministic). */
export function sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(privateKey, 32, 'privateKey');
  assertBytes(message, null, 'message');
  return toU8(nodeSign(null, message, privateKeyObject('Ed25519', privateKey)));
}

/** True only for a valid signature; any malformed key, signature or message gives false. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== 32) return false;
    if (!(message instanceof Uint8Array)) return false;
    if (!(signature instanceof Uint8Array) || signature.byteLength !== 64) return false;
    return nodeVerify(null, message, publicKeyObject('Ed25519', publicKey), signature);
  } catch {
    return false;
  }
}
