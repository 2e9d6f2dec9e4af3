/**
 * The offline database's file key: 32 random bytes that the encrypted SQLite file is keyed with, kept in
 * the sidecar wrapped by the user key and bound to the database and to the pinned server key.
 */
import { decrypt, encrypt, fromB64, randomKey, toB64 } from '@safehold/crypto';
import { SafeholdError } from '@safehold/protocol';
import type { OfflineIdent, Sidecar } from '@safehold/store';

/** A fresh random file key (zero it once the file is open). */
export function newFileKey(): Uint8Array {
  return randomKey();
}

/**
 * Associated data binding a wrapped file key to its offline database and to the pinned server key:
 * editing the pinned key in the (plain) sidecar makes the file key fail to open.
 */
export function fileKeyAad(id: OfflineIdent, signingPublicKey: string): Uint8Array {
  return new TextEncoder().encode(`safehold/v1/offline/${id.server}/${id.db}/${id.user}/${id.device}/pinned/${signingPublicKey}/file-key`);
}

/** Wraps the file key under the user key. */
export function wrapFileKey(userKey: Uint8Array, fileKey: Uint8Array, id: OfflineIdent, signingPublicKey: string): string {
  return toB64(encrypt(userKey, fileKey, fileKeyAad(id, signingPublicKey), 'offline-file-key'));
}

/** Unwraps the file key; a wrong user key throws SafeholdError('bad_credentials'). */
export function unwrapFileKey(userKey: Uint8Array, sidecar: Sidecar): Uint8Array {
  try {
    return decrypt(userKey, fromB64(sidecar.fileKeyEnc), fileKeyAad(sidecar, sidecar.signingPublicKey));
  } catch (e) {
    throw new SafeholdError('bad_credentials', 'the offline database cannot be opened with this key', undefined, { cause: e });
  }
}
