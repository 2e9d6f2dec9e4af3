/** Roles from the client: the role's key pair is made here; its private key is wrapped for each member. */
import { SafeholdError, isName, asRoleId, asUserId } from '@safehold/protocol';
import { fromB64, newRoleKeyPair, toB64, wrapRoleKeyFor, zero } from './keys/index.js';
import type { RoleWire } from '@safehold/protocol/api';
import type { ClientContext } from './context.js';
import { requireDb } from './context.js';
import { fingerprint, pinnedPublicKey, sameFingerprint } from './pinning.js';
import { inDb } from './vault.js';
import { fetchRoles } from './sharing.js';
import { ensureSigningKeyPublished, pinnedRoleKey, signRoleKey, trustRoleKey } from './rolekeys.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** A role as `safehold role list` prints it. */
export interface RoleView {
  name: string;
  creator: string;
  members: string[];
  fingerprint: string;
  member: boolean;
}

function roleView(r: RoleWire, me: string): RoleView {
  return { name: r.name, creator: r.creator, members: [...r.members], fingerprint: fingerprint(fromB64(r.publicKey)), member: r.members.includes(me) };
}

function checkName(kind: string, name: string): void {
  if (!isName(name)) throw new SafeholdError('bad_request', `invalid ${kind} name "${name.slice(0, 64)}": letters, digits, . _ - (at most 64)`);
}

/** Creates a role: a fresh X25519 pair, the private key wrapped (HPKE) for the creator's own public key. */
export async function createRole(ctx: ClientContext, name: string): Promise<RoleView> {
  checkName('role', name);
  const db = requireDb(ctx);
  const pair = newRoleKeyPair();
  try {
    const memberKey = wrapRoleKeyFor(ctx.keyring.publicKey, pair.privateKey, db, name, ctx.account.user);
    const publicKey = toB64(pair.publicKey);
    // 12.2: the creator signs the role key, so that sharers who are not members can verify it.
    await ensureSigningKeyPublished(ctx);
    const keySignature = signRoleKey(ctx, db, name, publicKey);
    const r = await ctx.api.call(E.createRole, inDb(ctx), { name, publicKey, memberKey, keySignature });
    if (r.publicKey !== publicKey) throw new SafeholdError('integrity', `the server answered role ${name} with another key than the one made`);
    trustRoleKey(ctx, db, r);
    return roleView(r, ctx.account.user);
  } finally {
    zero(pair.privateKey);
  }
}

/** Adds a member: opens the role's private key and wraps it for the member's pinned public key. */
export async function addRoleMember(ctx: ClientContext, role: string, user: string): Promise<RoleView> {
  checkName('role', role);
  checkName('user', user);
  const db = requireDb(ctx);
  const r = (await fetchRoles(ctx)).find((x) => x.name === role);
  if (!r) throw new SafeholdError('not_found', `role ${role} not found`);
  if (r.creator !== ctx.account.user) throw new SafeholdError('forbidden', `only the creator of role ${role} (${r.creator}) manages its members`);
  const priv = ctx.keyring.openRoleKey(db, r);
  try {
    const pub = await pinnedPublicKey(ctx, user);
    const memberKey = wrapRoleKeyFor(pub, priv, db, role, user);
    const out = await ctx.api.call(E.addRoleMember, { ...inDb(ctx), role: asRoleId(role), user: asUserId(user) }, { memberKey });
    return roleView(out, ctx.account.user);
  } finally {
    zero(priv);
  }
}

/** Removes a member from a role (the role's creator only). */
export async function removeRoleMember(ctx: ClientContext, role: string, user: string): Promise<RoleView> {
  checkName('role', role);
  checkName('user', user);
  const out = await ctx.api.call(E.removeRoleMember, { ...inDb(ctx), role: asRoleId(role), user: asUserId(user) });
  return roleView(out, ctx.account.user);
}

/** The roles of the database. */
export async function listRoles(ctx: ClientContext): Promise<RoleView[]> {
  return (await fetchRoles(ctx)).map((r) => roleView(r, ctx.account.user));
}

/**
 * The fingerprint pinned for a role's key beside the one of the key the server sends now (and whether the
 * creator's signature verifies), to compare before `trustRole` (spec §4, 12.2).
 */
export async function compareRoleKeys(ctx: ClientContext, role: string): Promise<{ role: string; pinned: string | null; current: string; changed: boolean; creator: string }> {
  checkName('role', role);
  const db = requireDb(ctx);
  const r = (await fetchRoles(ctx)).find((x) => x.name === role);
  if (!r) throw new SafeholdError('not_found', `role ${role} not found`);
  const pinned = pinnedRoleKey(ctx, db, role);
  const current = fingerprint(fromB64(r.publicKey));
  const pinnedFp = pinned === null ? null : fingerprint(fromB64(pinned));
  return { role, pinned: pinnedFp, current, changed: pinnedFp !== null && pinnedFp !== current, creator: r.creator };
}

/** Accepts the current key of a role (`safehold trust --role ROLE [--fingerprint FP]`); returns its fingerprint. */
export async function trustRole(ctx: ClientContext, role: string, expectFingerprint?: string): Promise<{ role: string; fingerprint: string; changed: boolean }> {
  checkName('role', role);
  const db = requireDb(ctx);
  const r = (await fetchRoles(ctx)).find((x) => x.name === role);
  if (!r) throw new SafeholdError('not_found', `role ${role} not found`);
  const fp = fingerprint(fromB64(r.publicKey));
  if (expectFingerprint !== undefined && !sameFingerprint(expectFingerprint, fp)) {
    throw new SafeholdError('forbidden', `the key of role ${role} has fingerprint ${fp}, not the one given: nothing trusted`, { reason: 'fingerprint_mismatch', role });
  }
  if (r.myKey) zero(ctx.keyring.openRoleKey(db, r));
  return trustRoleKey(ctx, db, r);
}
