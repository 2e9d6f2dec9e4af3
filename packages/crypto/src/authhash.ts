import { argon2idRaw } from './kdf.js';
import { assertBytes, constantTimeEqual, randomBytes, zero } from './util.js';

// Server-side hash of the client-derived auth key. The auth key is already a 256-bit output of a
// 64 MiB Argon2id, so this hash only has to stop a stolen database from being a login token list;
// OWASP's minimum Argon2id profile (19 MiB, t=2) keeps logins cheap for the server.
export const AUTH_HASH_MEMORY_KIB = 19456;
export const AUTH_HASH_ITERATIONS = 2;
export const AUTH_HASH_PARALLELISM = 1;
const AUTH_HASH_LEN = 32;
const SALT_LEN = 16;

/** Argon2id PHC string of a 32-byte auth key. */
export async function hashAuthKey(authKey: Uint8Array): Promise<string> {
  assertBytes(authKey, 32, 'authKey');
  const salt = randomBytes(SALT_LEN);
  const h = await argon2idRaw(authKey, salt, AUTH_HASH_MEMORY_KIB, AUTH_HASH_ITERATIONS, AUTH_HASH_PARALLELISM, AUTH_HASH_LEN);
  const phc = `$argon2id$v=19$m=${AUTH_HASH_MEMORY_KIB},t=${AUTH_HASH_ITERATIONS},p=${AUTH_HASH_PARALLELISM}$${b64(salt)}$${b64(h)}`;
  zero(h);
  return phc;
}

// PHC: standard base64 alphabet without padding.
const PHC = /^\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/;

/**
 * Recomputes the hash and compares in constant time (our own comparison, so the guarantee does
 * not depend on the binding). A malformed or out-of-bounds hash string yields false, not a throw,
 * and bounds on m/t keep a corrupted row from turning a login into a denial of service.
 */
export async function verifyAuthKey(hash: string, authKey: Uint8Array): Promise<boolean> {
  if (typeof hash !== 'string' || !(authKey instanceof Uint8Array)) return false;
  const m = PHC.exec(hash);
  if (!m) return false;
  const memoryKiB = Number(m[1]);
  const iterations = Number(m[2]);
  const parallelism = Number(m[3]);
  if (memoryKiB < 8 * parallelism || memoryKiB > 1024 * 1024 || iterations < 1 || iterations > 20 || parallelism < 1 || parallelism > 16) {
    return false;
  }
  const salt = unb64(m[4] ?? '');
  const expected = unb64(m[5] ?? '');
  if (!salt || !expected || salt.byteLength < 8 || expected.byteLength < 16 || expected.byteLength > 64) return false;
  let actual: Uint8Array | undefined;
  try {
    actual = await argon2idRaw(authKey, salt, memoryKiB, iterations, parallelism, expected.byteLength);
    return constantTimeEqual(actual, expected);
  } catch {
    return false;
  } finally {
    zero(actual, expected);
  }
}

function b64(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64').replace(/=+$/, '');
}

function unb64(s: string): Uint8Array | null {
  if (s.length % 4 === 1) return null;
  const buf = Buffer.from(s, 'base64');
  if (b64(buf) !== s) return null; // non-canonical
  const out = new Uint8Array(buf);
  buf.fill(0);
  return out;
}
