/** Random secrets (session tokens, invite codes) and their stored form. node:crypto only, so the Server Manager starts fast. */
import { createHash, randomBytes } from 'node:crypto';

/** sha256 of a secret token or invite code, as stored (unpadded base64url). */
export function hashSecret(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64url');
}

/** `bytes` random bytes as unpadded base64url. */
export function randomSecret(bytes: number): string {
  // Ids and invite codes are typed as command-line arguments: never let one begin with '-' (it would read as
  // an option). Redrawing keeps the rest uniform.
  for (;;) {
    const raw = randomBytes(bytes);
    const out = raw.toString('base64url');
    raw.fill(0);
    if (out[0] !== '-') return out;
  }
}

/** A random 22-character id (128 bits), as made by @safehold/crypto's randomId. */
export function newId(): string {
  return randomSecret(16);
}
