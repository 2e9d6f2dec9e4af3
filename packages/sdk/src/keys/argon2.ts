/** Argon2 for the KDFs of foreign export files (KeePass KDBX, Bitwarden): their parameters, bounded by the caller. */
import { argon2Raw, type Argon2RawParams } from '@safehold/crypto';

/** Raw Argon2 (2d or 2id, version 0x10 or 0x13) over a foreign file's password and salt. */
export function foreignArgon2(password: Uint8Array, salt: Uint8Array, params: Argon2RawParams): Promise<Uint8Array> {
  return argon2Raw(password, salt, params);
}
