import { createHmac, hkdfSync } from 'node:crypto';
import { CryptoError } from './errors.js';
import { assertBytes, toU8 } from './util.js';

const HASH_LEN = 32;

/** HKDF-SHA256 (RFC 5869), extract and expand in one step. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  assertBytes(ikm, null, 'ikm');
  assertBytes(salt, null, 'salt');
  assertBytes(info, null, 'info');
  checkLength(length);
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

/**
 * HKDF-Extract with SHA-256. HPKE needs extract and expand as separate steps (its labels differ),
 * which node's hkdfSync does not expose. An empty salt equals HashLen zero bytes for HMAC.
 */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return toU8(createHmac('sha256', salt).update(ikm).digest());
}

/** HKDF-Expand with SHA-256. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  checkLength(length);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  let off = 0;
  for (let i = 1; off < length; i++) {
    const next = toU8(createHmac('sha256', prk).update(t).update(info).update(Uint8Array.of(i)).digest());
    t.fill(0);
    t = next;
    out.set(t.subarray(0, Math.min(HASH_LEN, length - off)), off);
    off += HASH_LEN;
  }
  t.fill(0);
  return out;
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 1 || length > 255 * HASH_LEN) {
    throw new CryptoError('bad_input', 'HKDF output length out of range');
  }
}
