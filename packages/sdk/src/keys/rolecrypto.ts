/** A role's X25519 key pair and the wrap of its private key for each member (HPKE, AAD bound to db, role, member). */
import { generateX25519KeyPair, toB64, wrapForRecipient, type X25519KeyPair } from '@safehold/crypto';
import { roleKeyAad } from '@safehold/protocol';

/** A fresh role key pair (zero `privateKey` after use). */
export function newRoleKeyPair(): X25519KeyPair {
  return generateX25519KeyPair();
}

/** The role's private key wrapped for a member's X25519 public key (base64url). */
export function wrapRoleKeyFor(memberPublicKey: Uint8Array, rolePrivateKey: Uint8Array, db: string, role: string, member: string): string {
  return toB64(wrapForRecipient(memberPublicKey, rolePrivateKey, roleKeyAad(db, role, member)));
}
