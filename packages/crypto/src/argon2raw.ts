/**
 * Raw Argon2 for file formats that fix their own parameters (KDBX 4, Bitwarden's password-protected
 * export): the caller bounds the parameters it accepts from a file before calling.
 */
import { argon2HashRaw } from './argon2lazy.js';
import { ARGON2_V13, ARGON2ID } from './kdf.js';

export interface Argon2RawParams {
  /** 0 = Argon2d, 1 = Argon2i, 2 = Argon2id. */
  type: 0 | 1 | 2;
  /** 0x10 or 0x13. */
  version: 0x10 | 0x13;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  length: number;
}

/** Argon2 of `password` and `salt` with exactly these parameters. */
export async function argon2Raw(password: Uint8Array, salt: Uint8Array, p: Argon2RawParams): Promise<Uint8Array> {
  const hashRaw = await argon2HashRaw();
  const out = await hashRaw(Buffer.from(password.buffer, password.byteOffset, password.byteLength), {
    algorithm: p.type === 2 ? ARGON2ID : (p.type as 0 | 1),
    version: p.version === 0x13 ? ARGON2_V13 : 0,
    memoryCost: p.memoryKiB,
    timeCost: p.iterations,
    parallelism: p.parallelism,
    outputLen: p.length,
    salt: Buffer.from(salt.buffer, salt.byteOffset, salt.byteLength),
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
