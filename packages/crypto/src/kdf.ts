import type { Algorithm, Version } from '@node-rs/argon2';
import { argon2HashRaw } from './argon2lazy.js';
import { CryptoError } from './errors.js';
import { hkdfSha256 } from './hkdf.js';
import { randomBytes, utf8, zero } from './util.js';

// @node-rs/argon2 declares these as ambient const enums, which isolated modules may not read;
// the numeric values are fixed by its API.
export const ARGON2ID: Algorithm = 2;
export const ARGON2_V13: Version = 1;

export interface KdfParams {
  alg: 'argon2id';
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: Uint8Array;
}

export const MIN_KDF_MEMORY_KIB = 65536;
export const MIN_KDF_ITERATIONS = 3;
export const MIN_KDF_SALT_BYTES = 16;
// Upper bounds: params arrive from the server, so a hostile one could otherwise make a client
// allocate terabytes or spin for hours.
export const MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024;
export const MAX_KDF_ITERATIONS = 100;
export const MAX_KDF_PARALLELISM = 16;
export const MAX_KDF_SALT_BYTES = 1024;

export const AUTH_KEY_INFO = 'safehold/v1/auth-key';
export const KEK_INFO = 'safehold/v1/kek';

/** Fresh parameters for a new account or a password change. */
export function newKdfParams(): KdfParams {
  return {
    alg: 'argon2id',
    memoryKiB: MIN_KDF_MEMORY_KIB,
    iterations: MIN_KDF_ITERATIONS,
    parallelism: 1,
    salt: randomBytes(16),
  };
}

/** Throws CryptoError('weak_kdf') below the floor, 'bad_input' for malformed or absurd values. */
export function validateKdfParams(p: KdfParams): void {
  if (typeof p !== 'object' || p === null) throw new CryptoError('bad_input', 'KDF params missing');
  if (p.alg !== 'argon2id') throw new CryptoError('weak_kdf', 'KDF algorithm must be argon2id');
  for (const [name, v] of [['memoryKiB', p.memoryKiB], ['iterations', p.iterations], ['parallelism', p.parallelism]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new CryptoError('bad_input', `KDF ${name} must be a positive integer`);
  }
  if (!(p.salt instanceof Uint8Array)) throw new CryptoError('bad_input', 'KDF salt must be a Uint8Array');
  if (p.memoryKiB < MIN_KDF_MEMORY_KIB) throw new CryptoError('weak_kdf', `KDF memory must be at least ${MIN_KDF_MEMORY_KIB} KiB`);
  if (p.iterations < MIN_KDF_ITERATIONS) throw new CryptoError('weak_kdf', `KDF iterations must be at least ${MIN_KDF_ITERATIONS}`);
  if (p.salt.byteLength < MIN_KDF_SALT_BYTES) throw new CryptoError('weak_kdf', `KDF salt must be at least ${MIN_KDF_SALT_BYTES} bytes`);
  if (p.memoryKiB > MAX_KDF_MEMORY_KIB) throw new CryptoError('bad_input', 'KDF memory is unreasonably large');
  if (p.iterations > MAX_KDF_ITERATIONS) throw new CryptoError('bad_input', 'KDF iterations unreasonably large');
  if (p.parallelism > MAX_KDF_PARALLELISM) throw new CryptoError('bad_input', 'KDF parallelism unreasonably large');
  if (p.salt.byteLength > MAX_KDF_SALT_BYTES) throw new CryptoError('bad_input', 'KDF salt unreasonably large');
}

export interface MasterKeys {
  authKey: Uint8Array;
  kek: Uint8Array;
}

/** Raw Argon2id (version 0x13) over bytes; exported for the vector tests and for callers needing other lengths. */
export async function argon2idRaw(
  password: Uint8Array,
  salt: Uint8Array,
  memoryKiB: number,
  iterations: number,
  parallelism: number,
  outputLen: number,
  secret?: Uint8Array,
): Promise<Uint8Array> {
  const hashRaw = await argon2HashRaw();
  const out = await hashRaw(password, {
    algorithm: ARGON2ID,
    version: ARGON2_V13,
    memoryCost: memoryKiB,
    timeCost: iterations,
    parallelism,
    outputLen,
    salt,
    ...(secret ? { secret } : {}),
  });
  const u8 = new Uint8Array(out);
  out.fill(0);
  return u8;
}

/**
 * Master password -> Argon2id -> 32-byte master -> HKDF into two independent keys: the auth key
 * (sent to the server, which only stores a slow hash of it) and the KEK (never leaves the client).
 * NFC normalization makes the same password typed on different OSes derive the same keys.
 */
export async function deriveMasterKeys(password: string, p: KdfParams): Promise<MasterKeys> {
  if (typeof password !== 'string') throw new CryptoError('bad_input', 'password must be a string');
  validateKdfParams(p);
  const pw = utf8(password.normalize('NFC'));
  let master: Uint8Array | undefined;
  try {
    master = await argon2idRaw(pw, p.salt, p.memoryKiB, p.iterations, p.parallelism, 32);
    const empty = new Uint8Array(0);
    return {
      authKey: hkdfSha256(master, empty, utf8(AUTH_KEY_INFO), 32),
      kek: hkdfSha256(master, empty, utf8(KEK_INFO), 32),
    };
  } finally {
    zero(pw, master);
  }
}
