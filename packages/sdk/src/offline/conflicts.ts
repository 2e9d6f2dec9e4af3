/**
 * Offline edits (E5), what is left for the user after a push: conflicts and rejected changes
 * (`safehold conflicts`, `conflicts resolve`), and the queued changes themselves (`offline pending`).
 * Listing needs only the offline file; resolving with `--keep mine` writes to the server.
 */
import { mergeThreeWay } from '@safehold/domain';
import { SafeholdError, isRandomId, type HeaderPlain, type SecretPlain, asRecordId } from '@safehold/protocol';
import type { OfflineStore, ConflictEntry } from '@safehold/store';
import type { ClientContext } from '../context.js';
import { requireDb } from '../context.js';
import { toView, type RecordView } from '../recordview.js';
import { createRecord, getRecord, ofRecord, removeRecord } from '../vault.js';
import { locate } from './locate.js';
import { assertNotWiped } from './unlock.js';
import { fromStoredJson, openStored, type QueuedChange } from './edits.js';
import { flatten, unflatten } from './flat.js';
import { decryptHeader, decryptSecret, encryptPart, fromB64, openOwnRecordKey, randomId, unwrapFileKey, zero } from '../keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** One entry of `safehold conflicts` (SPEC §3.2): no secret, no value; the record's name for the user. */
export interface ConflictItem {
  id: string;
  record: string;
  kind: ConflictEntry['kind'];
  at: string;
  fields: string[];
  reason: string;
  name: string | null;
  /** The queued change it came from. */
  change: QueuedChange['kind'];
}

/** One queued change of `safehold offline pending`. */
export interface PendingItem {
  id: string;
  record: string;
  kind: QueuedChange['kind'];
  at: string;
  name: string | null;
}

/** Opens the offline file with the unlocked user key (no lease check: queued work survives an expired lease). */
function openFile(ctx: ClientContext): OfflineStore {
  const db = requireDb(ctx);
  const t = locate(ctx.home, ctx.account.server, ctx.account.user, db, ctx.device.id);
  assertNotWiped(t);
  const sc = t.database.sidecar();
  if (!sc || !t.database.fileExists()) throw new SafeholdError('offline_missing', `no offline database of ${db} for ${ctx.account.user} on this device`);
  const fileKey = unwrapFileKey(ctx.keyring.userKey, sc);
  try {
    return t.database.open(fileKey);
  } finally {
    zero(fileKey);
  }
}

/** The offline version a queued change carries, decrypted (null for a delete). */
function openMine(ctx: ClientContext, c: QueuedChange): { header: HeaderPlain; secret: SecretPlain } | null {
  if (!c.header || !c.secret || !c.revision) return null;
  const wrapped = c.keys ?? (c.base ? { header: c.base.headerKey, secret: c.base.secretKey } : null);
  if (!wrapped?.secret) return null;
  const user = ctx.account.user;
  const hk = openOwnRecordKey(ctx.keyring.userKey, user, c.record, 'header', fromB64(wrapped.header));
  const sk = openOwnRecordKey(ctx.keyring.userKey, user, c.record, 'secret', fromB64(wrapped.secret));
  try {
    return { header: decryptHeader(hk, c.record, c.revision, fromB64(c.header)), secret: decryptSecret(sk, c.record, c.revision, fromB64(c.secret)) };
  } finally {
    zero(hk, sk);
  }
}

function nameOf(ctx: ClientContext, c: QueuedChange): string | null {
  try {
    const mine = openMine(ctx, c);
    if (mine) return mine.header.name;
    if (c.base) {
      const o = openStored(ctx.keyring.userKey, ctx.account.user, fromStoredJson(c.base));
      zero(o.headerKey, o.secretKey);
      return o.header.name;
    }
  } catch {
    // A name is a courtesy: an entry that does not open is still listed.
  }
  return null;
}

/** Conflicts and rejected changes of the context's offline database. */
export function listConflicts(ctx: ClientContext): ConflictItem[] {
  const store = openFile(ctx);
  try {
    return store.conflicts().map((e) => {
      const c = JSON.parse(e.data) as QueuedChange;
      return { id: e.id, record: e.record, kind: e.kind, at: e.at, fields: e.fields, reason: e.reason, name: nameOf(ctx, c), change: c.kind };
    });
  } finally {
    store.close();
  }
}

/** The queued offline changes, in push order (never a secret). */
export function listPending(ctx: ClientContext): PendingItem[] {
  const store = openFile(ctx);
  try {
    return store.outbox().map((e) => ({ id: e.opId, record: e.record, kind: e.kind, at: e.at, name: nameOf(ctx, JSON.parse(e.data) as QueuedChange) }));
  } finally {
    store.close();
  }
}

/** What `conflicts resolve` did. */
export interface ResolveResult {
  id: string;
  record: string;
  kept: 'server' | 'mine';
  /** The record now current (for `mine`); a restored deleted record gets a new id. */
  current: RecordView | null;
  removed: boolean;
}

/** Settles one conflict or rejected change, named by its id or its record's id. */
export async function resolveConflict(ctx: ClientContext, idOrRecord: string, keep: 'server' | 'mine'): Promise<ResolveResult> {
  if (!isRandomId(idOrRecord)) throw new SafeholdError('not_found', `no conflict ${idOrRecord.slice(0, 64)}`);
  const store = openFile(ctx);
  let entry: ConflictEntry | undefined;
  try {
    const all = store.conflicts();
    entry = all.find((e) => e.id === idOrRecord) ?? all.find((e) => e.record === idOrRecord);
  } finally {
    store.close();
  }
  if (!entry) throw new SafeholdError('not_found', `no conflict or rejected change ${idOrRecord} in the offline database`);
  const c = JSON.parse(entry.data) as QueuedChange;
  let current: RecordView | null = null;
  let removed = false;
  if (keep === 'mine') {
    if (c.kind === 'delete') {
      await removeRecord(ctx, c.record);
      removed = true;
    } else if (entry.kind === 'deleted' || c.kind === 'create') {
      current = await restoreAsNew(ctx, c, entry.kind === 'deleted');
    } else {
      current = await keepMine(ctx, c);
    }
  }
  const after = openFile(ctx);
  try {
    after.removeConflict(entry.id);
  } finally {
    after.close();
  }
  return { id: entry.id, record: entry.record, kept: keep, current, removed };
}

/** `mine` on a create (rejected) or on a record deleted on the server: the offline version as a record of its own. */
async function restoreAsNew(ctx: ClientContext, c: QueuedChange, deleted: boolean): Promise<RecordView> {
  const mine = openMine(ctx, c);
  if (!mine) throw new SafeholdError('integrity', `the offline version of record ${c.record} cannot be opened`);
  const h = mine.header;
  const view = await createRecord(ctx, {
    name: h.name,
    username: h.username,
    password: mine.secret.password,
    url: h.url,
    notes: h.notes,
    tags: h.tags,
    fields: h.fields,
    secretFields: mine.secret.fields,
    masked: c.masked,
  });
  if (deleted) ctx.events.notice(`record ${c.record} was deleted on the server: the offline version is restored as ${view.id}`);
  return view;
}

/** `mine` on an edit: the server's current version with every field in conflict set to the offline value, as a new revision. */
async function keepMine(ctx: ClientContext, c: QueuedChange): Promise<RecordView> {
  const mine = openMine(ctx, c);
  if (!mine || !c.base) throw new SafeholdError('integrity', `the offline version of record ${c.record} cannot be opened`);
  const cur = await getRecord(ctx, c.record, { use: true });
  try {
    if (!cur.secret || !cur.keys.secretKey) throw new SafeholdError('forbidden', `the secret of record ${c.record} is not available to you`);
    const base = openStored(ctx.keyring.userKey, ctx.account.user, fromStoredJson(c.base));
    zero(base.headerKey, base.secretKey);
    const mineFlat = flatten(mine.header, mine.secret);
    const m = mergeThreeWay(base.secret ? flatten(base.header, base.secret) : {}, flatten(cur.header, cur.secret), mineFlat);
    for (const k of m.conflicts) {
      const v = mineFlat[k];
      if (v === undefined) delete m.merged[k];
      else m.merged[k] = v;
    }
    const next = unflatten(m.merged);
    const revision = randomId();
    const wire = await ctx.api.call(E.updateRecord, ofRecord(ctx, asRecordId(c.record)), {
      baseRevision: cur.wire.revision,
      revision,
      header: encryptPart(cur.keys.headerKey, c.record, 'header', revision, next.header),
      secret: encryptPart(cur.keys.secretKey, c.record, 'secret', revision, next.secret),
    });
    return toView(wire, next.header);
  } finally {
    zero(cur.keys.headerKey, cur.keys.secretKey);
  }
}
