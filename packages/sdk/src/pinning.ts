/** Other users' public keys, pinned on first use (spec §4); a changed key is refused until `trust`. */
import { constantTimeEqual, fingerprint, fromB64, toB64 } from './keys/index.js';
import { SafeholdError, asUserId } from '@safehold/protocol';
import type { ClientContext } from './context.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

export { fingerprint } from './keys/index.js';

/** The pinned fingerprint of `user` beside the one of the key the server sends now, to compare before trusting (spec §4). */
export async function compareKeys(ctx: ClientContext, user: string): Promise<{ user: string; pinned: string | null; current: string; changed: boolean }> {
  const cur = await ctx.api.call(E.publicKey, { user: asUserId(user) });
  if (cur.user !== user) throw new SafeholdError('integrity', `the server sent the key of ${cur.user} when asked for ${user}`);
  const pinned = user === ctx.account.user ? cur.publicKey : ctx.accountFile.pinnedKeys[user];
  const current = fingerprint(fromB64(cur.publicKey));
  const pinnedFp = pinned === undefined ? null : fingerprint(fromB64(pinned));
  return { user, pinned: pinnedFp, current, changed: pinnedFp !== null && pinnedFp !== current };
}

async function fetchKeys(ctx: ClientContext, user: string): Promise<{ key: Uint8Array; signingKey: string | null }> {
  const res = await ctx.api.call(E.publicKey, { user: asUserId(user) });
  if (res.user !== user) throw new SafeholdError('integrity', `the server sent the key of ${res.user} when asked for ${user}`);
  const key = fromB64(res.publicKey);
  if (key.byteLength !== 32) throw new SafeholdError('integrity', `the server sent a malformed public key for ${user}`);
  return { key, signingKey: res.signingKey ?? null };
}

async function fetchPublicKey(ctx: ClientContext, user: string): Promise<Uint8Array> {
  return (await fetchKeys(ctx, user)).key;
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
export async function trustUser(ctx: ClientContext, user: string, expectFingerprint?: string): Promise<{ user: string; fingerprint: string; changed: boolean }> {
  const { key, signingKey } = await fetchKeys(ctx, user);
  if (expectFingerprint !== undefined && !sameFingerprint(expectFingerprint, fingerprint(key))) {
    throw new SafeholdError('forbidden', `the key of ${user} has fingerprint ${fingerprint(key)}, not the one given: nothing trusted`, { reason: 'fingerprint_mismatch', user });
  }
  const before = ctx.accountFile.pinnedKeys[user];
  const changed = before !== undefined && !constantTimeEqual(fromB64(before), key);
  ctx.accountFile.pinnedKeys[user] = toB64(key);
  // The signing key (role-key signatures, 12.2) is re-pinned with it; absent until their client publishes it.
  if (signingKey) (ctx.accountFile.pinnedSigningKeys ??= {})[user] = signingKey;
  else if (ctx.accountFile.pinnedSigningKeys) delete ctx.accountFile.pinnedSigningKeys[user];
  ctx.home.writeAccount(ctx.accountFile);
  return { user, fingerprint: fingerprint(key), changed };
}

/** Fingerprints compare without case, spaces or colons ("ab12 cd34…" = "AB12:CD34…"). */
export function sameFingerprint(given: string, actual: string): boolean {
  const norm = (x: string): string => x.toLowerCase().replace(/[\s:]/g, '');
  return norm(given).length > 0 && norm(given) === norm(actual);
}
