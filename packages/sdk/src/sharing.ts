/** Sharing: grants for users and roles, with the record keys wrapped for the grantee's public key. */
import { SafeholdError } from '@safehold/protocol';
import { RIGHTS } from '@safehold/protocol';
import type { Grant, Grants, KeyHolder, Right, RoleWire } from '@safehold/protocol/api';
import type { ClientContext } from './context.js';
import { requireDb } from './context.js';
import { fingerprint, pinnedPublicKey } from './pinning.js';
import { signOwnUnsignedRoles, verifiedRoleKey } from './rolekeys.js';
import { checkRecordId, getRecord, inDb, ofRecord } from './vault.js';
import { zero } from './keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** A grantee: a user or a role. */
export type Grantee = { user: string } | { role: string };

/** One grant as `safehold rights` prints it. */
export type RightsGrant = ({ user: string; fingerprint?: string | null; keyChanged?: boolean } | { role: string }) & { rights: Right[] };

/** `safehold rights` JSON: the record and every grant, the creator's own included. */
export interface RightsView {
  record: string;
  creator: string;
  grants: RightsGrant[];
}

/** Parses "read,write" into rights; throws bad_request (exit 2) on an unknown right. */
export function parseRights(s: string | string[]): Right[] {
  const parts = (Array.isArray(s) ? s : s.split(',')).map((x) => x.trim()).filter((x) => x.length > 0);
  if (parts.length === 0) throw new SafeholdError('bad_request', `give at least one right (${RIGHTS.join(', ')})`);
  const out: Right[] = [];
  for (const p of parts) {
    if (!(RIGHTS as readonly string[]).includes(p)) throw new SafeholdError('bad_request', `unknown right "${p}" (rights: ${RIGHTS.join(', ')})`);
    if (!out.includes(p as Right)) out.push(p as Right);
  }
  return out;
}

function holderOf(g: Grantee): KeyHolder {
  return 'user' in g ? { kind: 'user', user: g.user } : { kind: 'role', role: g.role };
}

/** The roles of the context's database (the caller's own unsigned roles get signed on the way, 12.2). */
export async function fetchRoles(ctx: ClientContext): Promise<RoleWire[]> {
  const roles = (await ctx.api.call(E.listRoles, inDb(ctx))).roles;
  return signOwnUnsignedRoles(ctx, requireDb(ctx), roles);
}

/** The public key for a key holder: a user's pinned key, or a role's key (checked against its private key when a member). */
export async function holderPublicKey(ctx: ClientContext, holder: KeyHolder, roles?: RoleWire[]): Promise<Uint8Array> {
  if (holder.kind === 'user') return pinnedPublicKey(ctx, holder.user);
  const list = roles ?? (await fetchRoles(ctx));
  const role = list.find((r) => r.name === holder.role);
  if (!role) throw new SafeholdError('not_found', `role ${holder.role} not found`);
  if (role.myKey) zero(ctx.keyring.openRoleKey(requireDb(ctx), role));
  return verifiedRoleKey(ctx, requireDb(ctx), role);
}

async function toRightsView(ctx: ClientContext, g: Grants): Promise<RightsView> {
  const grants: RightsGrant[] = [];
  const hasCreator = g.grants.some((x) => 'user' in x && x.user === g.creator);
  const all: Grant[] = hasCreator ? g.grants : [{ user: g.creator, rights: [...RIGHTS] }, ...g.grants];
  for (const x of all) {
    if ('user' in x) {
      let fp: string | null = null;
      let keyChanged = false;
      try {
        fp = fingerprint(await pinnedPublicKey(ctx, x.user));
      } catch (e) {
        if (!(e instanceof SafeholdError) || e.code !== 'forbidden') throw e;
        keyChanged = true;
      }
      grants.push({ user: x.user, rights: x.rights, fingerprint: fp, ...(keyChanged ? { keyChanged } : {}) });
    } else grants.push({ role: x.role, rights: x.rights });
  }
  return { record: g.record, creator: g.creator, grants };
}

/** The grants of a record (the creator's own included). */
export async function recordRights(ctx: ClientContext, id: string): Promise<RightsView> {
  checkRecordId(id);
  const g = await ctx.api.call(E.getGrants, ofRecord(ctx, id));
  return toRightsView(ctx, g);
}

/**
 * Shares a record: sets the grantee's rights to exactly `rights`. A new key holder gets the record
 * keys wrapped for its public key (a user's pinned key, or the role's key).
 */
export async function shareRecord(ctx: ClientContext, id: string, grantee: Grantee, rights: Right[]): Promise<RightsView> {
  checkRecordId(id);
  if (rights.length === 0) throw new SafeholdError('bad_request', 'give at least one right');
  const holder = holderOf(grantee);
  const current = await ctx.api.call(E.getGrants, ofRecord(ctx, id));
  const holds =
    holder.kind === 'user'
      ? holder.user === current.creator || current.grants.some((g) => 'user' in g && g.user === holder.user)
      : current.grants.some((g) => 'role' in g && g.role === holder.role);
  const body: { grantee: KeyHolder; rights: Right[]; keys?: { header: string; secret: string | null } } = { grantee: holder, rights };
  if (!holds) {
    const rec = await getRecord(ctx, id);
    try {
      if (!rec.view.rights.includes('authorize')) throw new SafeholdError('forbidden', `you may not share record ${id} (no authorize right)`);
      const pub = await holderPublicKey(ctx, holder);
      body.keys = {
        header: ctx.keyring.wrapForHolder(id, 'header', rec.keys.headerKey, holder, pub),
        secret: rec.keys.secretKey ? ctx.keyring.wrapForHolder(id, 'secret', rec.keys.secretKey, holder, pub) : null,
      };
    } finally {
      zero(rec.keys.headerKey, rec.keys.secretKey);
    }
  }
  const g = await ctx.api.call(E.putGrant, ofRecord(ctx, id), body);
  return toRightsView(ctx, g);
}

/** Removes a grantee's grant and key copy. Keys are not rotated (see the README's security section). */
export async function unshareRecord(ctx: ClientContext, id: string, grantee: Grantee): Promise<RightsView> {
  checkRecordId(id);
  const query = 'user' in grantee ? { user: grantee.user } : { role: grantee.role };
  const g = await ctx.api.call(E.deleteGrant, ofRecord(ctx, id), query);
  return toRightsView(ctx, g);
}
