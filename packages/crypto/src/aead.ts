import { CryptoError } from './errors.js';
import { GCM_NONCE_LEN, GCM_TAG_LEN, gcmOpen, gcmSeal } from './gcm.js';
import { assertBytes, concat, fromUtf8, randomBytes, utf8 } from './util.js';

export const ENVELOPE_AEAD_V1 = 0x01;
export const ENVELOPE_HPKE_V1 = 0x02;
export const MAX_KEY_ID_BYTES = 255;

/*
 * v1 envelope: [0x01][keyIdLen u8][keyId utf8][nonce 12][ciphertext][tag 16], AES-256-GCM.
 * The header (version, keyIdLen, keyId) is prepended to the caller's AAD, so a swapped key id or
 * version fails authentication. The header is self-delimiting, so header || aad is unambiguous.
 * Random 96-bit nonces: safe for well under 2^32 messages per key (NIST SP 800-38D §8.3); record
 * keys encrypt a handful of messages each.
 */

/** AES-256-GCM encrypt into a versioned envelope. */
export function encrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, keyId = ''): Uint8Array {
  assertBytes(key, 32, 'key');
  assertBytes(plaintext, null, 'plaintext');
  assertBytes(aad, null, 'aad');
  if (typeof keyId !== 'string') throw new CryptoError('bad_input', 'keyId must be a string');
  const kid = utf8(keyId);
  if (kid.byteLength > MAX_KEY_ID_BYTES) throw new CryptoError('bad_input', 'keyId longer than 255 bytes');
  const header = concat(Uint8Array.of(ENVELOPE_AEAD_V1, kid.byteLength), kid);
  const nonce = randomBytes(GCM_NONCE_LEN);
  const sealed = gcmSeal(key, nonce, plaintext, concat(header, aad));
  return concat(header, nonce, sealed);
}

/** Decrypts a v1 envelope; throws CryptoError (unsupported_version / decrypt_failed / bad_input). */
export function decrypt(key: Uint8Array, envelope: Uint8Array, aad: Uint8Array): Uint8Array {
  assertBytes(key, 32, 'key');
  assertBytes(envelope, null, 'envelope');
  assertBytes(aad, null, 'aad');
  if (envelope.byteLength === 0) throw new CryptoError('decrypt_failed');
  if (envelope[0] !== ENVELOPE_AEAD_V1) throw new CryptoError('unsupported_version');
  if (envelope.byteLength < 2) throw new CryptoError('decrypt_failed');
  const kidLen = envelope[1] ?? 0;
  const headerLen = 2 + kidLen;
  if (envelope.byteLength < headerLen + GCM_NONCE_LEN + GCM_TAG_LEN) throw new CryptoError('decrypt_failed');
  const header = envelope.subarray(0, headerLen);
  const nonce = envelope.subarray(headerLen, headerLen + GCM_NONCE_LEN);
  const sealed = envelope.subarray(headerLen + GCM_NONCE_LEN);
  return gcmOpen(key, nonce, sealed, concat(header, aad));
}

/** The format version byte of any Safehold envelope (v1 AEAD or v2 HPKE wrap). */
export function envelopeVersion(blob: Uint8Array): number {
  assertBytes(blob, null, 'envelope');
  const v = blob[0];
  if (v === undefined) throw new CryptoError('bad_input', 'empty envelope');
  return v;
}

/**
 * The key id of a v1 envelope, to pick the key before decrypting. It is not yet authenticated
 * here; decrypt() authenticates it, so a lie only ever leads to decrypt_failed.
 */
export function envelopeKeyId(blob: Uint8Array): string {
  const v = envelopeVersion(blob);
  if (v !== ENVELOPE_AEAD_V1) throw new CryptoError('unsupported_version');
  const kidLen = blob[1];
  if (kidLen === undefined || blob.byteLength < 2 + kidLen) throw new CryptoError('bad_input', 'truncated envelope');
  return fromUtf8(blob.subarray(2, 2 + kidLen));
}
