/**
 * What the client home keeps sealed: the session token under the user key, and the SAFEHOLD_SESSION
 * copy of the user key (and auth key) under a random session key. AES-256-GCM, bound to server and user.
 */
import { decrypt, encrypt, fromB64, fromUtf8, randomKey, toB64, utf8, zero } from '@safehold/crypto';

const tokenAad = (server: string, user: string): Uint8Array => utf8(`safehold/v1/local/token/${server}/${user}`);
// AAD of the SAFEHOLD_SESSION copy of the keys.
const unlockAad = (server: string, user: string): Uint8Array => utf8(`safehold/v1/local/unlock/${server}/${user}`);

/** The session token sealed under the user key (base64url). */
export function sealToken(userKey: Uint8Array, server: string, user: string, token: string): string {
  return toB64(encrypt(userKey, utf8(token), tokenAad(server, user)));
}

/** The sealed session token, or null when it does not open (another key, damaged). */
export function openToken(userKey: Uint8Array, server: string, user: string, tokenEnc: string): string | null {
  try {
    return fromUtf8(decrypt(userKey, fromB64(tokenEnc), tokenAad(server, user)));
  } catch {
    return null;
  }
}

/** Seals the user key (and the auth key when known) under a fresh session key; returns both, base64url. */
export function sealSessionCopy(userKey: Uint8Array, authKey: Uint8Array | null, server: string, user: string): { enc: string; sessionKey: string } {
  const sessionKey = randomKey();
  const plain = new Uint8Array(64);
  plain.set(userKey, 0);
  if (authKey) plain.set(authKey, 32);
  const enc = encrypt(sessionKey, authKey ? plain : plain.subarray(0, 32), unlockAad(server, user));
  zero(plain);
  const out = { enc: toB64(enc), sessionKey: toB64(sessionKey) };
  zero(sessionKey);
  return out;
}

/** Opens the SAFEHOLD_SESSION copy; null when the key does not open it (stale, another account). */
export function openSessionCopy(sessionKeyB64: string, enc: string, server: string, user: string): { userKey: Uint8Array; authKey: Uint8Array | null; sessionKey: Uint8Array } | null {
  let sessionKey: Uint8Array;
  let plain: Uint8Array;
  try {
    sessionKey = fromB64(sessionKeyB64.trim());
    plain = decrypt(sessionKey, fromB64(enc), unlockAad(server, user));
  } catch {
    return null;
  }
  const userKey = plain.slice(0, 32);
  const authKey = plain.length >= 64 ? plain.slice(32, 64) : null;
  zero(plain);
  return { userKey, authKey, sessionKey };
}
