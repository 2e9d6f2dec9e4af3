/**
 * Sharing and key rows. PUT sets a grantee's rights to exactly the given list (keys required when the
 * grantee holds no key row yet); DELETE removes the grant and that holder's key row. The creator's
 * rights are fixed. Key adoption replaces the caller's own key row with keys wrapped under its user key.
 */
import { SafeholdError } from '@safehold/protocol';
import type { GrantRequest, Grants, Grant, Right, AdoptKeysRequest } from '@safehold/protocol/api';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import { inTransaction, logChange, nextSeq } from '../repositories/changelog.js';
import type { Conn } from '../repositories/db.js';
import { maskHas, rightsMask, rightsOfMask } from '@safehold/domain';
import { ALL_RIGHTS, requireRight, sortRights, type Actor, type DbScope } from './rights.js';
import { rightsFor } from '../repositories/access.js';
import { deleteHolderRows, grantsOfRecord, holdsKeyRow, putGrantRow, roleNames, upsertKeys } from '../repositories/grants.js';
import { activeReleases } from '../repositories/releases.js';
import { sealedAmong } from '../repositories/records.js';
import { liveUserByName } from '../repositories/accounts.js';
import { sealedFor } from './records.js';
import { findRole, memberIds, userNames } from '../repositories/lookup.js';

/** Who a grant is for, by name on the wire. */
export type HolderRef = { user: string } | { role: string };

async function grantsOf(db: Conn, recordId: string, creatorId: string): Promise<Grants> {
  const rows = await grantsOfRecord(db, recordId);
  const userIds = rows.filter((r) => r.holder_kind === 'user').map((r) => r.holder_id);
  const names = await userNames(db, [creatorId, ...userIds]);
  const roleIds = rows.filter((r) => r.holder_kind === 'role').map((r) => r.holder_id);
  const roleNameOf = await roleNames(db, roleIds);
  const creator = names.get(creatorId) ?? 'unknown';
  const users: Grant[] = rows
    .filter((r) => r.holder_kind === 'user' && r.holder_id !== creatorId && names.has(r.holder_id))
    .map((r) => ({ user: names.get(r.holder_id) as string, rights: rightsOfMask(Number(r.rights_mask)) }))
    .sort((a, b) => ('user' in a && 'user' in b ? a.user.localeCompare(b.user) : 0));
  const roles: Grant[] = rows
    .filter((r) => r.holder_kind === 'role' && roleNameOf.has(r.holder_id))
    .map((r) => ({ role: roleNameOf.get(r.holder_id) as string, rights: rightsOfMask(Number(r.rights_mask)) }))
    .sort((a, b) => ('role' in a && 'role' in b ? a.role.localeCompare(b.role) : 0));
  return { record: recordId, creator, grants: [{ user: creator, rights: [...ALL_RIGHTS] }, ...users, ...roles] };
}

/** Resolves a holder name inside the database; not_found when unknown (or not a member). */
async function resolveHolder(db: Conn, scope: DbScope, ref: HolderRef): Promise<{ kind: 'user' | 'role'; id: string; label: string }> {
  if ('user' in ref) {
    const id = (await memberIds(db, scope.dbId, [ref.user])).get(ref.user);
    if (!id) throw new SafeholdError('not_found', `user ${ref.user} is not a member of this database`);
    return { kind: 'user', id, label: `user:${ref.user}` };
  }
  const role = await findRole(db, scope.dbId, ref.role);
  if (!role) throw new SafeholdError('not_found', `role ${ref.role} not found`);
  return { kind: 'role', id: role.id, label: `role:${ref.role}` };
}

export interface AdoptItem {
  record: string;
  header: string;
  secret: string | null;
}

/** Sharing and key adoption, built once with their storage connection and clock (http/services.ts). */
export class GrantService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  /** The record's grants, the creator's own (all rights) first. Needs read. */
  async getGrants(actor: Actor, scope: DbScope, id: string): Promise<Grants> {
    const db = this.db;
    const { record } = await requireRight(db, actor, scope.dbId, id, 'read');
    return grantsOf(db, record.id, record.creator_id);
  }

  /** Sets the grantee's rights to exactly `req.rights` (authorize). */
  async putGrant(actor: Actor, scope: DbScope, id: string, req: GrantRequest): Promise<Grants> {
    const db = this.db;
    const clock = this.clock;
    const creatorId = await inTransaction(db, async (trx) => {
      const seq = await nextSeq(trx, scope.dbId);
      const { record } = await requireRight(trx, actor, scope.dbId, id, 'authorize');
      const holder = await resolveHolder(
        trx,
        scope,
        req.grantee.kind === 'user' ? { user: req.grantee.user } : { role: req.grantee.role },
      );
      if (holder.kind === 'user' && holder.id === record.creator_id) {
        throw new SafeholdError('forbidden', "the creator's rights cannot be changed");
      }
      const rights: Right[] = sortRights(req.rights);
      if (!rights.includes('read')) throw new SafeholdError('bad_request', 'a grant must include the read right');
      if (!req.keys && !(await holdsKeyRow(trx, id, holder))) {
        throw new SafeholdError('bad_request', 'keys are required: the grantee holds no key for this record yet');
      }
      await putGrantRow(trx, id, holder, rightsMask(rights));
      if (req.keys) {
        await upsertKeys(trx, [
          { record_id: id, holder_kind: holder.kind, holder_id: holder.id, header_key: req.keys.header, secret_key: req.keys.secret },
        ]);
      }
      await logChange(trx, clock, scope.dbId, seq, {
        kind: 'grant_changed',
        recordId: id,
        ...(holder.kind === 'user' ? { userId: holder.id } : { roleId: holder.id }),
      });
      await writeAudit(trx, clock, {
        db: scope.dbName,
        actor: actor.user,
        action: 'share',
        target: id,
        detail: { grantee: holder.label, rights },
      });
      return record.creator_id;
    });
    return grantsOf(db, id, creatorId);
  }

  /** Removes a grant and that holder's key row (authorize). */
  async deleteGrant(actor: Actor, scope: DbScope, id: string, ref: HolderRef): Promise<Grants> {
    const db = this.db;
    const clock = this.clock;
    const creatorId = await inTransaction(db, async (trx) => {
      const seq = await nextSeq(trx, scope.dbId);
      const { record } = await requireRight(trx, actor, scope.dbId, id, 'authorize');
      let holder: { kind: 'user' | 'role'; id: string; label: string };
      if ('user' in ref) {
        // A user removed from the database may still hold a grant: look the name up server-wide.
        const u = await liveUserByName(trx, ref.user);
        // The same answer as for a user without a grant (12.11): unshare must not tell which names exist.
        if (!u) throw new SafeholdError('not_found', `user:${ref.user} holds no grant on this record`);
        holder = { kind: 'user', id: u.id, label: `user:${ref.user}` };
      } else {
        holder = await resolveHolder(trx, scope, ref);
      }
      if (holder.kind === 'user' && holder.id === record.creator_id) {
        throw new SafeholdError('forbidden', "the creator's rights cannot be changed");
      }
      const gone = await deleteHolderRows(trx, id, holder);
      if (gone.grants === 0 && gone.keys === 0) {
        throw new SafeholdError('not_found', `${holder.label} holds no grant on this record`);
      }
      await logChange(trx, clock, scope.dbId, seq, {
        kind: 'grant_changed',
        recordId: id,
        ...(holder.kind === 'user' ? { userId: holder.id } : { roleId: holder.id }),
      });
      await writeAudit(trx, clock, { db: scope.dbName, actor: actor.user, action: 'unshare', target: id, detail: { grantee: holder.label } });
      return record.creator_id;
    });
    return grantsOf(db, id, creatorId);
  }

  /**
   * Key adoption: replaces (or inserts) the caller's own user key row. Anyone who can read may adopt.
   * While the record is sealed for the caller, the stored secret key is kept (it cannot know a better one).
   */
  async adoptKeys(actor: Actor, scope: DbScope, id: string, req: AdoptKeysRequest): Promise<void> {
    const db = this.db;
    const clock = this.clock;
    await inTransaction(db, async (trx) => {
      const { record } = await requireRight(trx, actor, scope.dbId, id, 'read');
      const sealed = await sealedFor(trx, clock, actor, scope, record);
      await upsertKeys(trx, [
        { record_id: id, holder_kind: 'user', holder_id: actor.userId, header_key: req.header, secret_key: sealed ? null : req.secret },
      ]);
    });
  }

  /**
   * Batch adoption for first syncs: adopts every listed record the caller can read; records it cannot
   * read (unshared meanwhile, deleted, unknown) are skipped and named back. One rights query for all.
   */
  async adoptKeysBatch(actor: Actor, scope: DbScope, items: readonly AdoptItem[]): Promise<{ adopted: number; skipped: string[] }> {
    const db = this.db;
    const clock = this.clock;
    return inTransaction(db, async (trx) => {
      const last = new Map<string, AdoptItem>();
      for (const it of items) last.set(it.record, it);
      const ids = [...last.keys()];
      const access = await rightsFor(trx, { userId: actor.userId, dbId: scope.dbId }, ids);
      const ok = ids.filter((id) => maskHas(access.get(id)?.mask ?? 0, 'read'));
      const sealedIds = ok.length ? await sealedAmong(trx, ok) : [];
      const released = await activeReleases(trx, clock, actor.userId, scope.dbId, sealedIds);
      const withheld = new Set(sealedIds.filter((id) => !released.has(id)));
      await upsertKeys(
        trx,
        ok.map((id) => {
          const it = last.get(id) as AdoptItem;
          return { record_id: id, holder_kind: 'user' as const, holder_id: actor.userId, header_key: it.header, secret_key: withheld.has(id) ? null : it.secret };
        }),
      );
      const okSet = new Set(ok);
      return { adopted: ok.length, skipped: ids.filter((id) => !okSet.has(id)) };
    });
  }
}
