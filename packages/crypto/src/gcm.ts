import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from './errors.js';
import { concat } from './util.js';

// Raw AES-GCM with an explicit nonce. Internal: nonce management is the caller's job (random
// nonces in aead.ts, HPKE's key-schedule nonce in hpke.ts). Not exported from the package index,
// so application code cannot reuse a nonce by accident.

export const GCM_NONCE_LEN = 12;
export const GCM_TAG_LEN = 16;

function cipherName(key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' {
  if (key.byteLength === 32) return 'aes-256-gcm';
  if (key.byteLength === 16) return 'aes-128-gcm';
  throw new CryptoError('bad_input', 'AES-GCM key must be 16 or 32 bytes');
}

/** Returns ciphertext || 16-byte tag. */
export function gcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  if (nonce.byteLength !== GCM_NONCE_LEN) throw new CryptoError('bad_input', 'GCM nonce must be 12 bytes');
  const c = createCipheriv(cipherName(key), key, nonce, { authTagLength: GCM_TAG_LEN });
  c.setAAD(aad);
  const body = c.update(plaintext);
  const fin = c.final();
  const tag = c.getAuthTag();
  return concat(body, fin, tag);
}

/** Opens ciphertext || tag; any authentication failure is CryptoError('decrypt_failed'), never partial output. */
export function gcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  const name = cipherName(key);
  if (nonce.byteLength !== GCM_NONCE_LEN) throw new CryptoError('bad_input', 'GCM nonce must be 12 bytes');
  if (sealed.byteLength < GCM_TAG_LEN) throw new CryptoError('decrypt_failed');
  const ctLen = sealed.byteLength - GCM_TAG_LEN;
  let body: Buffer | undefined;
  try {
    const d = createDecipheriv(name, key, nonce, { authTagLength: GCM_TAG_LEN });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(ctLen));
    body = d.update(sealed.subarray(0, ctLen));
    const fin = d.final(); // throws on a bad tag; only then is `body` released
    if (fin.byteLength === 0) {
      // The usual case (GCM is a stream mode): hand `body` itself over as a plain view, no copy.
      const out = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      body = undefined;
      return out;
    }
    return concat(body, fin);
  } catch {
    throw new CryptoError('decrypt_failed');
  } finally {
    body?.fill(0);
  }
}
