/** `@safehold/testkit/store`: helpers of the offline store's specs. */
import { fileURLToPath } from 'node:url';
import { SIDECAR_FORMAT, type OfflineIdent, type Sidecar } from '@safehold/store';

/** The child process the crash spec kills mid-apply (./crash-child.ts, compiled). */
export const CRASH_CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

/** A sidecar for `ident` with placeholder KDF and keys, and the given wrapped file key (opaque to storage). */
export function testSidecar(ident: OfflineIdent, fileKeyEnc: string): Sidecar {
  return {
    format: SIDECAR_FORMAT,
    ...ident,
    kdf: { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1, salt: 'c2FsdHNhbHRzYWx0c2FsdA' },
    userKeyEnc: 'AA',
    signingPublicKey: 'AA',
    fileKeyEnc,
    createdAt: new Date(0).toISOString(),
  };
}
