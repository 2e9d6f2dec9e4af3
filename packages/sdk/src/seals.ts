/** Seals (double-check locks) and their releases. */
import { SafeholdError, asRecordId, asReleaseId, isName, isRandomId, type RecordId, type ReleaseId } from '@safehold/protocol';
import type { KeyHolder, Release, ReleaseKind } from '@safehold/protocol/api';
import type { ClientContext } from './context.js';
import { integrityError, toView, type RecordView } from './recordview.js';
import { fetchRoles, holderPublicKey } from './sharing.js';
import { checkRecordId, getRecord, inDb, ofRecord } from './vault.js';
import { encryptPart, newRecordKey, randomId, zero } from './keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** A release request as spec §3.2 prints it. */
export interface ReleaseView {
  id: ReleaseId;
  record: RecordId;
  requester: string;
  reason: string;
  /** 'read' (the sealed secret) or 'unseal' (lifting the seal). */
  kind: ReleaseKind;
  approvals: number;
  required: number;
  status: 'pending' | 'approved' | 'expired';
  expiresAt: string | null;
  approvers: string[];
  createdAt: string;
}

function releaseView(r: Release): ReleaseView {
  return {
    id: asReleaseId(r.id),
    record: asRecordId(r.record),
    requester: r.requester,
    reason: r.reason,
    kind: r.kind,
    approvals: r.approvals,
    required: r.required,
    status: r.status,
    expiresAt: r.expiresAt,
    approvers: r.approvers,
    createdAt: r.createdAt,
  };
}

export interface SealOptions {
  approvers: string[];
  /** Approvals needed (default 1). */
  required?: number;
  /** How long an approved release lasts (default 60 minutes). */
  windowMinutes?: number;
}

/**
 * Seals a record: rotates its secret key (new revision, secret re-encrypted under a fresh key),
 * wraps the new key for every current holder, and has the server withhold it until a release.
 */
export async function sealRecord(ctx: ClientContext, id: string, opts: SealOptions): Promise<RecordView> {
  const approvers = [...new Set(opts.approvers.map((a) => a.trim()).filter((a) => a.length > 0))];
  if (approvers.length === 0) throw new SafeholdError('bad_request', 'a seal needs at least one approver (--approvers U1,U2)');
  for (const a of approvers) if (!isName(a)) throw new SafeholdError('bad_request', `invalid approver name "${a.slice(0, 64)}"`);
  const required = opts.required ?? 1;
  if (!Number.isInteger(required) || required < 1 || required > approvers.length) {
    throw new SafeholdError('bad_request', `--required must be between 1 and the number of approvers (${approvers.length})`);
  }
  const windowMinutes = opts.windowMinutes ?? 60;
  if (!Number.isInteger(windowMinutes) || windowMinutes < 1) throw new SafeholdError('bad_request', '--window must be a positive number of minutes');
  checkRecordId(id);
  const cur = await getRecord(ctx, id, { use: true });
  const newKey = newRecordKey();
  try {
    if (!cur.view.rights.includes('authorize')) throw new SafeholdError('forbidden', `you may not seal record ${id} (no authorize right)`);
    if (cur.secret === null) {
      if (cur.view.sealed) throw new SafeholdError('sealed', `record ${id} is already sealed`);
      throw new SafeholdError('forbidden', `the secret of record ${id} is not available to you`);
    }
    const grants = await ctx.api.call(E.getGrants, ofRecord(ctx, id));
    const holders: KeyHolder[] = [{ kind: 'user', user: cur.wire.creator }];
    for (const g of grants.grants) {
      const h: KeyHolder = 'user' in g ? { kind: 'user', user: g.user } : { kind: 'role', role: g.role };
      if (!holders.some((x) => JSON.stringify(x) === JSON.stringify(h))) holders.push(h);
    }
    if (!holders.some((h) => h.kind === 'user' && h.user === ctx.account.user)) holders.push({ kind: 'user', user: ctx.account.user });
    const roles = holders.some((h) => h.kind === 'role') ? await fetchRoles(ctx) : [];
    const secretKeys: Array<{ holder: KeyHolder; secret: string }> = [];
    for (const holder of holders) {
      const secret =
        holder.kind === 'user' && holder.user === ctx.account.user
          ? ctx.keyring.wrapForSelf(id, 'secret', newKey)
          : ctx.keyring.wrapForHolder(id, 'secret', newKey, holder, await holderPublicKey(ctx, holder, roles));
      secretKeys.push({ holder, secret });
    }
    const revision = randomId();
    const wire = await ctx.api.call(E.sealRecord, ofRecord(ctx, id), {
        approvers,
        required,
        windowMinutes,
        baseRevision: cur.wire.revision,
        revision,
        header: encryptPart(cur.keys.headerKey, id, 'header', revision, cur.header),
        secret: encryptPart(newKey, id, 'secret', revision, cur.secret),
        secretKeys,
    });
    if (wire.id !== id) throw integrityError(id);
    return toView(wire, cur.header);
  } finally {
    zero(newKey, cur.keys.headerKey, cur.keys.secretKey);
  }
}

/**
 * Lifts a record's seal: needs authorize and an approved release of kind "unseal" that this user asked
 * for (the seal's own quorum); refused with forbidden (exit 5) otherwise.
 */
export async function unsealRecord(ctx: ClientContext, id: string): Promise<RecordView> {
  checkRecordId(id);
  await ctx.api.call(E.unsealRecord, ofRecord(ctx, id));
  const r = await getRecord(ctx, id);
  zero(r.keys.headerKey, r.keys.secretKey);
  return r.view;
}

/** Asks for a release of a sealed record: to read its secret (default), or to lift its seal (kind "unseal", needs authorize). */
export async function requestRelease(ctx: ClientContext, id: string, reason = '', kind: ReleaseKind = 'read'): Promise<ReleaseView> {
  checkRecordId(id);
  const r = await ctx.api.call(E.requestRelease, ofRecord(ctx, id), { reason, kind });
  return releaseView(r);
}

/** Approves a release request (a listed approver other than the requester). */
export async function approveRelease(ctx: ClientContext, releaseId: ReleaseId): Promise<ReleaseView> {
  if (!isRandomId(releaseId)) throw new SafeholdError('not_found', `release request ${releaseId.slice(0, 64)} not found`);
  const r = await ctx.api.call(E.approveRelease, { ...inDb(ctx), rid: releaseId });
  return releaseView(r);
}

/** Release requests where this user is the requester or an approver. */
export async function listReleases(ctx: ClientContext): Promise<ReleaseView[]> {
  const r = await ctx.api.call(E.listReleases, inDb(ctx));
  return r.releases.map(releaseView);
}
