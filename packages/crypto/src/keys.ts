import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CryptoError } from './errors.js';
import { assertBytes, fromB64, toB64 } from './util.js';

/*
 * Raw 32-byte X25519/Ed25519 keys <-> node KeyObjects.
 *
 * node:crypto has no raw import for these curves. Two routes exist: DER (PKCS#8/SPKI prefixes of
 * RFC 8410) and JWK. Under Node 20 / OpenSSL 3 the DER route runs OpenSSL's generic decoder chain
 * and costs ~200-800 µs per key, the JWK route builds the key directly from the raw bytes in
 * ~20-35 µs. Unwrapping is on the first-sync hot path (one per shared record), so JWK it is.
 * Trade-off: the private key passes through a base64url JS string, which cannot be zeroed (like
 * every password the user types); it is short-lived garbage.
 *
 * For a private key node requires `x` to be present but derives the public key from `d`; we pass
 * a placeholder and always read the public key back from OpenSSL. The RFC 7748/8032 vector tests
 * pin that behaviour: were `x` ever used, the derived public keys would not match.
 */

export type OkpCurve = 'X25519' | 'Ed25519';

const PLACEHOLDER_X = toB64(new Uint8Array(32));

export function privateKeyObject(crv: OkpCurve, raw: Uint8Array): KeyObject {
  assertBytes(raw, 32, 'private key');
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv, d: toB64(raw), x: PLACEHOLDER_X }, format: 'jwk' });
  } catch {
    throw new CryptoError('bad_input', 'invalid private key');
  }
}

export function publicKeyObject(crv: OkpCurve, raw: Uint8Array): KeyObject {
  assertBytes(raw, 32, 'public key');
  try {
    return createPublicKey({ key: { kty: 'OKP', crv, x: toB64(raw) }, format: 'jwk' });
  } catch {
    throw new CryptoError('bad_input', 'invalid public key');
  }
}

/** Raw public key of a public or private KeyObject. */
export function rawPublic(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const x = pub.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new CryptoError('bad_input', 'unexpected key encoding');
  return fromB64(x);
}

export function rawPrivate(key: KeyObject): Uint8Array {
  const d = key.export({ format: 'jwk' }).d;
  if (typeof d !== 'string') throw new CryptoError('bad_input', 'unexpected key encoding');
  return fromB64(d);
}
