import { randomFillSync, createHash, timingSafeEqual } from 'node:crypto';
import { CryptoError } from './errors.js';

/** Cryptographically secure random bytes (CSPRNG of the OS via OpenSSL). */
export function randomBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new CryptoError('bad_input', 'randomBytes: length must be a non-negative integer');
  // A fresh Uint8Array (not a pooled Buffer), so zero() on it never touches shared memory.
  return randomFillSync(new Uint8Array(n));
}

/** A random 256-bit symmetric key. */
export function randomKey(): Uint8Array {
  return randomBytes(32);
}

/** 128 random bits as unpadded base64url (22 characters): record, revision and key ids. */
export function randomId(): string {
  // Ids are passed as command-line arguments: one that began with '-' would read as an option.
  // Redrawing those leaves the others uniformly distributed (a negligible 1/64 of the space is unused).
  for (;;) {
    const id = toB64(randomBytes(16));
    if (id[0] !== '-') return id;
  }
}

/** Unpadded base64url. */
export function toB64(u8: Uint8Array): string {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64url');
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes unpadded base64url strictly: Buffer's decoder silently skips bad characters and
 * accepts several encodings of one value, which would let two different strings name the same id.
 */
export function fromB64(s: string): Uint8Array {
  if (typeof s !== 'string' || !B64URL.test(s) || s.length % 4 === 1) {
    throw new CryptoError('bad_input', 'invalid base64url');
  }
  // Canonical means the unused low bits of the last character are zero (4 of them when two characters
  // end the string, 2 when three do): the test that decoding and re-encoding gives `s` back, in O(1).
  const rest = s.length % 4;
  if (rest !== 0) {
    const last = B64URL_VALUE[s.charCodeAt(s.length - 1)] ?? 0;
    if ((last & (rest === 2 ? 0x0f : 0x03)) !== 0) throw new CryptoError('bad_input', 'non-canonical base64url');
  }
  return toU8(Buffer.from(s, 'base64url'));
}

/** The 6-bit value of each base64url character, by char code. */
const B64URL_VALUE: Uint8Array = (() => {
  const t = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

export function sha256(data: Uint8Array): Uint8Array {
  return toU8(createHash('sha256').update(data).digest());
}

/** Constant-time comparison for equal lengths; a length mismatch returns false (lengths are not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return false;
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

/** Overwrites each buffer with zeros; null/undefined are ignored. */
export function zero(...bufs: (Uint8Array | null | undefined)[]): void {
  for (const b of bufs) b?.fill(0);
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding: invalid sequences throw CryptoError('bad_input') instead of becoming U+FFFD. */
export function fromUtf8(u: Uint8Array): string {
  try {
    return strictDecoder.decode(u);
  } catch {
    throw new CryptoError('bad_input', 'invalid UTF-8');
  }
}

/**
 * Copies a Buffer into a plain Uint8Array and zeroes the source. Plain Uint8Arrays keep
 * assert.deepStrictEqual and structured clones predictable, and the copy never aliases
 * Buffer's shared allocation pool.
 */
export function toU8(buf: Buffer): Uint8Array {
  const out = new Uint8Array(buf);
  buf.fill(0);
  return out;
}

/** Concatenation into a fresh Uint8Array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.byteLength;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

export function assertBytes(v: unknown, len: number | null, what: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new CryptoError('bad_input', `${what} must be a Uint8Array`);
  if (len !== null && v.byteLength !== len) throw new CryptoError('bad_input', `${what} must be ${len} bytes`);
}
