/** The seal of the offline header cache: AES-256-GCM under the user key, bound to the user. */
import { decrypt, encrypt, utf8 } from '@safehold/crypto';

const aad = (user: string): Uint8Array => utf8(`safehold/v1/offline/header-cache/${user}`);

/** Seals the cache's plaintext (the caller zeroes `plain`). */
export function sealHeaderCache(userKey: Uint8Array, user: string, plain: Uint8Array): Uint8Array {
  return encrypt(userKey, plain, aad(user));
}

/** Opens a sealed cache; throws when it does not authenticate (the caller treats that as no cache). */
export function openHeaderCache(userKey: Uint8Array, user: string, blob: Uint8Array): Uint8Array {
  return decrypt(userKey, blob, aad(user));
}
