/**
 * Offline edits (E5), the writing side: `add`, `edit` and `rm` without the server. The change is
 * encrypted exactly as online (client-made ids and revisions, fresh keys for a new record) and written,
 * in ONE transaction of the offline file, to the outbox and to the local copy, so list/search/show see
 * it at once, marked pending. Allowed only with the offline-edits right carried by the signed lease.
 */
import { RIGHTS, SafeholdError, type HeaderPlain, type SecretPlain } from '@safehold/protocol';
import type { Right } from '@safehold/protocol/api';
import { writeJson, type StoredRecord } from '@safehold/store';
import type { ClientContext } from '../context.js';
import { requireDb } from '../context.js';
import { toView, type RecordView } from '../recordview.js';
import { statusOf } from './locate.js';
import { unlockForContext, type OfflineSession } from './unlock.js';
import { decryptHeader, decryptSecret, encryptPart, fromB64, openOwnRecordKey, randomId, toB64, zero } from '../keys/index.js';
import { openStoredSecretKey } from './storedkey.js';

/** How an offline write came about: `--offline`, or the server unreachable (`cause`). */
export interface OfflineWriteMode {
  forced: boolean;
  cause?: SafeholdError;
}

/** A stored record as JSON (bytes as base64url), kept in an outbox entry as the change's base. */
export interface StoredJson {
  id: string;
  db: string;
  revision: string;
  creator: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  masked: boolean;
  rights: string[];
  header: string;
  secret: string | null;
  headerKey: string;
  secretKey: string | null;
}

/** What an outbox entry holds (ciphertext, wrapped keys and ids only). */
export interface QueuedChange {
  v: 1;
  kind: 'create' | 'update' | 'delete';
  record: string;
  baseRevision: string | null;
  revision: string | null;
  header: string | null;
  secret: string | null;
  /** The record keys wrapped under the user key (a create sends them as the creator's key row). */
  keys: { header: string; secret: string } | null;
  masked: boolean;
  /** The local copy before the change (null for a create). */
  base: StoredJson | null;
}

export function toStoredJson(r: StoredRecord): StoredJson {
  return {
    id: r.id,
    db: r.db,
    revision: r.revision,
    creator: r.creator,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
    masked: r.masked,
    rights: [...r.rights],
    header: toB64(r.header),
    secret: r.secret ? toB64(r.secret) : null,
    headerKey: toB64(r.headerKey),
    secretKey: r.secretKey ? toB64(r.secretKey) : null,
  };
}

export function fromStoredJson(j: StoredJson): StoredRecord {
  return {
    ...j,
    sealed: false,
    rights: [...j.rights],
    header: fromB64(j.header),
    secret: j.secret ? fromB64(j.secret) : null,
    headerKey: fromB64(j.headerKey),
    secretKey: j.secretKey ? fromB64(j.secretKey) : null,
  };
}

/** Decrypts both parts of a stored record (null secret when it has none). */
export function openStored(userKey: Uint8Array, user: string, r: StoredRecord): { header: HeaderPlain; secret: SecretPlain | null; headerKey: Uint8Array; secretKey: Uint8Array | null } {
  const headerKey = openOwnRecordKey(userKey, user, r.id, 'header', r.headerKey);
  let secretKey: Uint8Array | null;
  try {
    secretKey = r.secretKey ? openStoredSecretKey(userKey, user, r.id, r.secretKey) : null;
  } catch (e) {
    zero(headerKey);
    throw e;
  }
  try {
    const header = decryptHeader(headerKey, r.id, r.revision, r.header);
    const secret = secretKey && r.secret ? decryptSecret(secretKey, r.id, r.revision, r.secret) : null;
    return { header, secret, headerKey, secretKey };
  } catch (e) {
    headerKey.fill(0);
    secretKey?.fill(0);
    throw e;
  }
}

/** Opens the offline database for writing: it must exist, be usable (not expired/wiped), and allow offline edits. */
async function openForWrite(ctx: ClientContext, mode: OfflineWriteMode): Promise<OfflineSession> {
  const db = requireDb(ctx);
  const s = await unlockForContext(ctx);
  if (!s) {
    if (mode.forced) throw new SafeholdError('offline_missing', `no offline database for ${ctx.account.user} on this device: run \`safehold offline sync\` while online`);
    const why = mode.cause?.message ?? 'the server is unreachable';
    throw new SafeholdError('unreachable', `${why}; no offline database exists for ${ctx.account.user} on this device, so the change cannot be queued (create one with \`safehold offline sync\` while online)`);
  }
  if (s.lease.offlineEdits !== true) {
    s.close();
    throw new SafeholdError(
      'offline_edits_forbidden',
      `offline edits are not allowed for this database (${db}): records can only be read offline${mode.forced ? '' : ' while the server is unreachable'}; an admin may allow them (safehold-server user rights ${ctx.account.user} --db ${db} --offline-edits on)`,
    );
  }
  if (!mode.forced) ctx.events.warning(`server unreachable (${mode.cause?.message ?? 'no answer'}): the change is queued in the offline database and pushed at the next sync`);
  return s;
}

/** Keeps the pending count in the plain status file, so `offline status` tells it without a password. */
export function notePending(s: OfflineSession): number {
  const n = s.store.outbox().length;
  const st = statusOf(s.target);
  if (st) writeJson(s.target.paths.status, { ...st, pending: n });
  return n;
}

function queue(s: OfflineSession, ctx: ClientContext, change: QueuedChange, write: { upsert?: StoredRecord; remove?: string }): void {
  s.store.queueLocal({ opId: randomId(), record: change.record, kind: change.kind, at: new Date(ctx.clock()).toISOString(), data: JSON.stringify(change) }, write);
  notePending(s);
}

/** A new record made offline: the parts, ids and fresh keys are the caller's (the same as an online attempt). */
export interface PreparedCreate {
  id: string;
  revision: string;
  header: HeaderPlain;
  secret: SecretPlain;
  headerKey: Uint8Array;
  secretKey: Uint8Array;
  masked: boolean;
}

/** Queues a new record. Returns its view, marked pending. */
export async function offlineCreate(ctx: ClientContext, p: PreparedCreate, mode: OfflineWriteMode): Promise<RecordView> {
  const s = await openForWrite(ctx, mode);
  try {
    const now = new Date(ctx.clock()).toISOString();
    const user = ctx.account.user;
    const header = encryptPart(p.headerKey, p.id, 'header', p.revision, p.header);
    const secret = encryptPart(p.secretKey, p.id, 'secret', p.revision, p.secret);
    const keys = { header: ctx.keyring.wrapForSelf(p.id, 'header', p.headerKey), secret: ctx.keyring.wrapForSelf(p.id, 'secret', p.secretKey) };
    const stored: StoredRecord = {
      id: p.id,
      db: requireDb(ctx),
      revision: p.revision,
      creator: user,
      createdAt: now,
      updatedAt: now,
      updatedBy: user,
      masked: p.masked,
      sealed: false,
      rights: [...RIGHTS],
      header: fromB64(header),
      secret: fromB64(secret),
      headerKey: fromB64(keys.header),
      secretKey: fromB64(keys.secret),
    };
    queue(s, ctx, { v: 1, kind: 'create', record: p.id, baseRevision: null, revision: p.revision, header, secret, keys, masked: p.masked, base: null }, { upsert: stored });
    return { ...toView({ ...stored, rights: stored.rights as Right[] }, p.header), pending: true };
  } finally {
    s.close();
  }
}

/** The local copy of a record that may be changed offline with `right`, or the refusal. */
function localFor(s: OfflineSession, id: string, right: Right): StoredRecord {
  const r = s.store.getRecord(id);
  if (!r || r.sealed) throw new SafeholdError('not_found', `record ${id.slice(0, 64)} not found in the offline database`);
  if (!r.rights.includes(right)) throw new SafeholdError('forbidden', `you may not ${right === 'write' ? 'edit' : 'delete'} record ${id} (no ${right} right)`);
  return r;
}

/** Queues an edit of a record held offline: `apply` maps the current parts to the new ones. */
export async function offlineEdit(
  ctx: ClientContext,
  id: string,
  apply: (h: HeaderPlain, s: SecretPlain) => { header: HeaderPlain; secret: SecretPlain },
  mode: OfflineWriteMode,
  opts: { baseRevision?: string } = {},
): Promise<RecordView> {
  const s = await openForWrite(ctx, mode);
  try {
    const cur = localFor(s, id, 'write');
    if (opts.baseRevision !== undefined && opts.baseRevision !== cur.revision) {
      throw new SafeholdError('stale_revision', 'the record changed since your copy (stale base revision)', { current: cur.revision });
    }
    const opened = openStored(s.userKey, s.sidecar.user, cur);
    try {
      if (!opened.secret || !opened.secretKey) throw new SafeholdError('forbidden', `the secret of record ${id} is not available offline`);
      const next = apply(opened.header, opened.secret);
      const revision = randomId();
      const header = encryptPart(opened.headerKey, id, 'header', revision, next.header);
      const secret = encryptPart(opened.secretKey, id, 'secret', revision, next.secret);
      const now = new Date(ctx.clock()).toISOString();
      const stored: StoredRecord = { ...cur, revision, updatedAt: now, updatedBy: ctx.account.user, header: fromB64(header), secret: fromB64(secret) };
      queue(s, ctx, { v: 1, kind: 'update', record: id, baseRevision: cur.revision, revision, header, secret, keys: null, masked: cur.masked, base: toStoredJson(cur) }, { upsert: stored });
      return { ...toView({ ...stored, rights: stored.rights as Right[] }, next.header), pending: true };
    } finally {
      opened.headerKey.fill(0);
      opened.secretKey?.fill(0);
    }
  } finally {
    s.close();
  }
}

/** Queues the deletion of a record held offline (the local copy goes at once). */
export async function offlineRemove(ctx: ClientContext, id: string, mode: OfflineWriteMode): Promise<void> {
  const s = await openForWrite(ctx, mode);
  try {
    const cur = localFor(s, id, 'delete');
    queue(s, ctx, { v: 1, kind: 'delete', record: id, baseRevision: cur.revision, revision: null, header: null, secret: null, keys: null, masked: cur.masked, base: toStoredJson(cur) }, { remove: id });
  } finally {
    s.close();
  }
}
