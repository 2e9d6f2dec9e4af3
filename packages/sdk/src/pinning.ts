/** Other users' public keys, pinned on first use (spec §4); a changed key is refused until `trust`. */
import { constantTimeEqual, fromB64, sha256, toB64 } from '@safehold/crypto';
import { SafeholdError } from '@safehold/protocol';
import type { ClientContext } from './context.js';

/** A short human-comparable fingerprint of a public key (first 128 bits of SHA-256, hex in groups). */
export function fingerprint(publicKey: Uint8Array): string {
  const hex = Buffer.from(sha256(publicKey).subarray(0, 16)).toString('hex');
  return hex.match(/.{4}/g)?.join(':') ?? hex;
}

async function fetchPublicKey(ctx: ClientContext, user: string): Promise<Uint8Array> {
  const res = await ctx.api.request('GET', `/users/${encodeURIComponent(user)}/public-key`, { schema: 'PublicKey' });
  if (res.user !== user) throw new SafeholdError('integrity', `the server sent the key of ${res.user} when asked for ${user}`);
  const key = fromB64(res.publicKey);
  if (key.byteLength !== 32) throw new SafeholdError('integrity', `the server sent a malformed public key for ${user}`);
  return key;
}

/**
 * The public key of `user`, checked against the pinned one. First use pins it (with a notice);
 * a changed key is refused (forbidden, exit 5) until `safehold trust USER`.
 */
export async function pinnedPublicKey(ctx: ClientContext, user: string): Promise<Uint8Array> {
  if (user === ctx.account.user) return ctx.keyring.publicKey;
  const key = await fetchPublicKey(ctx, user);
  const pinned = ctx.accountFile.pinnedKeys[user];
  if (pinned === undefined) {
    ctx.accountFile.pinnedKeys[user] = toB64(key);
    ctx.home.writeAccount(ctx.accountFile);
    ctx.events.notice(`pinned the public key of ${user} (fingerprint ${fingerprint(key)})`);
    return key;
  }
  if (!constantTimeEqual(fromB64(pinned), key)) {
    throw new SafeholdError(
      'forbidden',
      `the public key of ${user} changed (pinned ${fingerprint(fromB64(pinned))}, server now sends ${fingerprint(key)}): ` +
        `verify it with ${user}, then run \`safehold trust ${user}\``,
      { reason: 'key_changed', user },
    );
  }
  return key;
}

/** Accepts the current public key of `user` (after a verified change); returns its fingerprint. */
export async function trustUser(ctx: ClientContext, user: string): Promise<{ user: string; fingerprint: string; changed: boolean }> {
  const key = await fetchPublicKey(ctx, user);
  const before = ctx.accountFile.pinnedKeys[user];
  const changed = before !== undefined && !constantTimeEqual(fromB64(before), key);
  ctx.accountFile.pinnedKeys[user] = toB64(key);
  ctx.home.writeAccount(ctx.accountFile);
  return { user, fingerprint: fingerprint(key), changed };
}
