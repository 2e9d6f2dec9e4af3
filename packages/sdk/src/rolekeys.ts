/**
 * Role public keys, pinned and verifiable (issue 12.2). A sharer wraps record keys for a role's public key, so a
 * server that swapped it would read every record shared to the role. Therefore:
 * - every user has an Ed25519 signing key, derived from the user key (HKDF, so nothing new to store or wrap) and
 *   published once (`PUT /me/signing-key`); other users pin it on first use, like the X25519 key;
 * - a role's public key is signed by its creator (or by a member who re-keys it):
 *   payload `{"kind":"safehold-role-key","db","role","publicKey","signer"}`;
 * - a client uses a role key only when it is the one pinned for (db, role), or, at first use, when its
 *   signature verifies under the signer's pinned signing key (then it is pinned). A changed or unsigned key is
 *   refused (exit 5) until `safehold trust --role ROLE`.
 * - Roles made before signatures existed are signed by their creator's client at its next contact: whenever it
 *   loads the roles of a database (sync, share, role commands), it signs each unsigned role it created, after
 *   checking that the role's private key it holds matches the public key it signs.
 */
import { SafeholdError, asDatabaseId, asRoleId, asUserId } from '@safehold/protocol';
import type { RoleWire } from '@safehold/protocol/api';
import type { ClientContext } from './context.js';
import { constantTimeEqual, fingerprint, fromB64, signText, toB64, userSigningKey, verifyText, zero } from './keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

const ROLE_KEY_KIND = 'safehold-role-key';
export { userSigningKey } from './keys/index.js';

/** The signed statement of a role key. */
export function roleKeyPayload(db: string, role: string, publicKey: string, signer: string): string {
  return JSON.stringify({ kind: ROLE_KEY_KIND, db, role, publicKey, signer });
}

/** Publishes the caller's signing key once per account file (the server keeps the first one). */
export async function ensureSigningKeyPublished(ctx: ClientContext): Promise<void> {
  const a = ctx.accountFile;
  if (a.signingKeyPublished) return;
  const k = userSigningKey(ctx.keyring.userKey);
  zero(k.privateKey);
  await ctx.api.call(E.setSigningKey, {}, { signingKey: toB64(k.publicKey) });
  a.signingKeyPublished = true;
  ctx.home.writeAccount(a);
}

/** Signs a role's public key as the caller. */
export function signRoleKey(ctx: ClientContext, db: string, role: string, publicKey: string): { payload: string; signature: string } {
  const payload = roleKeyPayload(db, role, publicKey, ctx.account.user);
  const k = userSigningKey(ctx.keyring.userKey);
  try {
    return { payload, signature: signText(k.privateKey, payload) };
  } finally {
    zero(k.privateKey);
  }
}

/** The signing key of `user`, pinned on first use; a changed one is refused until `safehold trust USER`. */
export async function pinnedSigningKey(ctx: ClientContext, user: string): Promise<Uint8Array> {
  if (user === ctx.account.user) {
    const k = userSigningKey(ctx.keyring.userKey);
    zero(k.privateKey);
    return k.publicKey;
  }
  const res = await ctx.api.call(E.publicKey, { user: asUserId(user) });
  if (res.user !== user) throw new SafeholdError('integrity', `the server sent the key of ${res.user} when asked for ${user}`);
  if (!res.signingKey) {
    throw new SafeholdError('forbidden', `${user} has not published a signing key yet (their client does at its next contact)`, { reason: 'no_signing_key', user });
  }
  const key = fromB64(res.signingKey);
  const pins = (ctx.accountFile.pinnedSigningKeys ??= {});
  const pinned = pins[user];
  if (pinned === undefined) {
    pins[user] = res.signingKey;
    ctx.home.writeAccount(ctx.accountFile);
    return key;
  }
  if (!constantTimeEqual(fromB64(pinned), key)) {
    throw new SafeholdError(
      'forbidden',
      `the signing key of ${user} changed (pinned ${fingerprint(fromB64(pinned))}, server now sends ${fingerprint(key)}): ` +
        `verify it with ${user}, then run \`safehold trust ${user}\``,
      { reason: 'key_changed', user },
    );
  }
  return key;
}

const pinId = (db: string, role: string): string => `${db}/${role}`;

/** Why a role key is not acceptable without `trust --role`, or null when its signature verifies. */
async function signatureProblem(ctx: ClientContext, db: string, role: RoleWire): Promise<string | null> {
  const sig = role.keySignature;
  if (!sig) return `is not signed by its creator ${role.creator} yet (their client signs it at its next contact)`;
  let p: { kind?: unknown; db?: unknown; role?: unknown; publicKey?: unknown; signer?: unknown };
  try {
    p = JSON.parse(sig.payload) as typeof p;
  } catch {
    return 'carries a malformed signature';
  }
  if (p.kind !== ROLE_KEY_KIND || p.db !== db || p.role !== role.name || p.publicKey !== role.publicKey || typeof p.signer !== 'string') {
    return 'carries a signature for another key';
  }
  if (p.signer !== role.creator && !role.members.includes(p.signer)) return `is signed by ${p.signer}, who is neither its creator nor a member`;
  const signerKey = await pinnedSigningKey(ctx, p.signer);
  if (!verifyText(signerKey, sig.payload, sig.signature)) return `carries a signature by ${p.signer} that does not verify`;
  return null;
}

/**
 * The public key of a role, for wrapping record keys: the pinned one, or at first use one whose signature
 * verifies (then pinned, with a notice). A changed or unsigned key is refused (forbidden, exit 5).
 */
export async function verifiedRoleKey(ctx: ClientContext, db: string, role: RoleWire): Promise<Uint8Array> {
  const pins = (ctx.accountFile.pinnedRoleKeys ??= {});
  const pinned = pins[pinId(db, role.name)];
  const key = fromB64(role.publicKey);
  const fp = fingerprint(key);
  if (pinned !== undefined) {
    if (constantTimeEqual(fromB64(pinned), key)) return key;
    throw new SafeholdError(
      'forbidden',
      `the key of role ${role.name} changed (pinned ${fingerprint(fromB64(pinned))}, server now sends ${fp}): ` +
        `verify it with ${role.creator}, then run \`safehold trust --role ${role.name}\``,
      { reason: 'role_key_changed', role: role.name },
    );
  }
  const problem = await signatureProblem(ctx, db, role);
  if (problem) {
    throw new SafeholdError(
      'forbidden',
      `the key of role ${role.name} (${fp}) ${problem}: verify its fingerprint with ${role.creator}, then run \`safehold trust --role ${role.name}\``,
      { reason: 'role_key_unverified', role: role.name },
    );
  }
  pins[pinId(db, role.name)] = role.publicKey;
  ctx.home.writeAccount(ctx.accountFile);
  ctx.events.notice(`pinned the key of role ${role.name} (fingerprint ${fp}, signed by its creator)`);
  return key;
}

/** The key pinned for a role of `db` on this account (base64url), or null when none was pinned yet. */
export function pinnedRoleKey(ctx: ClientContext, db: string, role: string): string | null {
  return ctx.accountFile.pinnedRoleKeys?.[pinId(db, role)] ?? null;
}

/** Accepts the current key of a role (after a verified change, or an unsigned one); returns its fingerprint. */
export function trustRoleKey(ctx: ClientContext, db: string, role: RoleWire): { role: string; fingerprint: string; changed: boolean } {
  const pins = (ctx.accountFile.pinnedRoleKeys ??= {});
  const before = pins[pinId(db, role.name)];
  pins[pinId(db, role.name)] = role.publicKey;
  ctx.home.writeAccount(ctx.accountFile);
  return { role: role.name, fingerprint: fingerprint(fromB64(role.publicKey)), changed: before !== undefined && before !== role.publicKey };
}

/**
 * The migration of roles made before signatures: signs each unsigned role this user created and holds the key
 * of (the private key must match the public key signed). Returns the roles as updated. Best effort: a failure
 * is a warning, the next contact tries again.
 */
export async function signOwnUnsignedRoles(ctx: ClientContext, db: string, roles: RoleWire[]): Promise<RoleWire[]> {
  const mine = roles.filter((r) => !r.keySignature && r.creator === ctx.account.user && r.myKey);
  if (mine.length === 0) return roles;
  const out = [...roles];
  try {
    await ensureSigningKeyPublished(ctx);
    for (const r of mine) {
      zero(ctx.keyring.openRoleKey(db, r)); // throws integrity when the public key is not the one we hold
      const keySignature = signRoleKey(ctx, db, r.name, r.publicKey);
      const signed = await ctx.api.call(E.signRole, { db: asDatabaseId(db), role: asRoleId(r.name) }, { keySignature });
      out[out.indexOf(r)] = signed;
    }
  } catch (e) {
    ctx.events.warning(`could not sign your roles' keys yet: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}
