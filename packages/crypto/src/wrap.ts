import { ENVELOPE_HPKE_V1 } from './aead.js';
import { CryptoError } from './errors.js';
import { GCM_TAG_LEN } from './gcm.js';
import { AEAD_AES256GCM, openBase, sealBase, x25519Recipient, type X25519Recipient } from './hpke.js';
import { assertBytes, concat, utf8 } from './util.js';

export { generateX25519KeyPair, x25519PublicFromPrivate, type X25519KeyPair } from './x25519.js';
export { type X25519Recipient } from './hpke.js';

/**
 * Imports a recipient private key once for many unwrapForRecipient calls (first sync, bulk
 * adoption): saves about half of each unwrap. The handle holds the key inside node's KeyObject.
 */
export function prepareRecipient(recipientPrivateKey: Uint8Array): X25519Recipient {
  return x25519Recipient(recipientPrivateKey);
}

export const WRAP_INFO = 'safehold/v1/wrap';
const ENC_LEN = 32;

/*
 * Wrapped key: [0x02][enc 32][ciphertext+tag], HPKE base mode with DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-256-GCM, info "safehold/v1/wrap". The version byte is not in the HPKE AAD:
 * any other value is refused before opening, and a v2 blob has exactly one interpretation.
 */

/** Encrypts (typically a 32-byte key) to a recipient's X25519 public key. */
export function wrapForRecipient(recipientPublicKey: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  assertBytes(recipientPublicKey, 32, 'recipientPublicKey');
  assertBytes(plaintext, null, 'plaintext');
  assertBytes(aad, null, 'aad');
  const { enc, ciphertext } = sealBase(AEAD_AES256GCM, recipientPublicKey, utf8(WRAP_INFO), aad, plaintext);
  return concat(Uint8Array.of(ENVELOPE_HPKE_V1), enc, ciphertext);
}

/** Opens a wrapped key with the recipient's private key (raw, or a prepareRecipient handle); errors as decrypt(). */
export function unwrapForRecipient(recipientPrivateKey: Uint8Array | X25519Recipient, wrapped: Uint8Array, aad: Uint8Array): Uint8Array {
  if (recipientPrivateKey instanceof Uint8Array || !isRecipient(recipientPrivateKey)) assertBytes(recipientPrivateKey, 32, 'recipientPrivateKey');
  assertBytes(wrapped, null, 'wrapped');
  assertBytes(aad, null, 'aad');
  if (wrapped.byteLength === 0) throw new CryptoError('decrypt_failed');
  if (wrapped[0] !== ENVELOPE_HPKE_V1) throw new CryptoError('unsupported_version');
  if (wrapped.byteLength < 1 + ENC_LEN + GCM_TAG_LEN) throw new CryptoError('decrypt_failed');
  const enc = wrapped.subarray(1, 1 + ENC_LEN);
  return openBase(AEAD_AES256GCM, enc, recipientPrivateKey, utf8(WRAP_INFO), aad, wrapped.subarray(1 + ENC_LEN));
}

function isRecipient(v: unknown): v is X25519Recipient {
  return typeof v === 'object' && v !== null && 'keyObject' in v && 'publicKey' in v;
}
