/**
 * Ed25519 signatures as the client uses them: verifying what the server signs (leases, wipe orders, key
 * rotations) and the user's own signing key, derived from the user key (HKDF: nothing new to store).
 */
import { fromB64, hkdfSha256, sha256, sign, signingPublicFromPrivate, toB64, utf8, verify } from '@safehold/crypto';

const SIGNING_INFO = utf8('safehold/v1/user-signing-key');

/** Verifies an Ed25519 signature over bytes (the form `verifyLease` and the wipe check take). */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return verify(publicKey, message, signature);
}

/** Verifies a base64url signature by a base64url key over a text; false for anything malformed. */
export function verifyText(publicKeyB64: string | Uint8Array, text: string, signatureB64: string): boolean {
  try {
    return verify(typeof publicKeyB64 === 'string' ? fromB64(publicKeyB64) : publicKeyB64, utf8(text), fromB64(signatureB64));
  } catch {
    return false;
  }
}

/** Signs a text with an Ed25519 private key (seed); the signature base64url. */
export function signText(privateKey: Uint8Array, text: string): string {
  return toB64(sign(privateKey, utf8(text)));
}

/** The caller's Ed25519 signing key pair, derived from the user key (zero `privateKey` after use). */
export function userSigningKey(userKey: Uint8Array): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const privateKey = hkdfSha256(userKey, new Uint8Array(0), SIGNING_INFO, 32);
  return { privateKey, publicKey: signingPublicFromPrivate(privateKey) };
}

/** A short human-comparable fingerprint of a public key (first 128 bits of SHA-256, hex in groups). */
export function fingerprint(publicKey: Uint8Array): string {
  const hex = Buffer.from(sha256(publicKey).subarray(0, 16)).toString('hex');
  return hex.match(/.{4}/g)?.join(':') ?? hex;
}
