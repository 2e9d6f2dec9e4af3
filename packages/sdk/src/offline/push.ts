/**
 * Offline edits (E5), the pushing side: the outbox of an offline database sent in order at the start of
 * every sync. Each change settles locally in its own transaction once the server answered it; a change
 * whose base is no longer current is merged three ways per field (domain `mergeThreeWay`) by this client,
 * the only one that can read it, and sent again under the same operation id.
 */
import { mergeThreeWay, sameFlat } from '@safehold/domain';
import { MAX_PUSH_OPS, SafeholdError, asDatabaseId } from '@safehold/protocol';
import type { PushOp, PushResult, RecordWire } from '@safehold/protocol/api';
import type { OfflineStore, OutboxEntry, ConflictEntry } from '@safehold/store';
import type { ClientContext } from '../context.js';
import { integrityError } from '../recordview.js';
import { fromStoredJson, openStored, type QueuedChange } from './edits.js';
import { fieldLabel, flatten, unflatten } from './flat.js';
import { decryptHeader, decryptSecret, encryptPart, fromB64, randomId, zero } from '../keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** What a push did: changes settled by the server (merged conflicts included), conflicts, rejections. */
export interface PushCounts {
  pushed: number;
  conflicts: number;
  rejected: number;
}

/** How many times one change is merged and sent again while the server keeps moving under it. */
const MAX_MERGES = 5;

function opOf(e: OutboxEntry, c: QueuedChange): PushOp {
  return {
    opId: e.opId,
    kind: c.kind,
    record: c.record,
    baseRevision: c.baseRevision,
    revision: c.revision,
    header: c.header,
    secret: c.secret,
    keys: c.keys,
    masked: c.masked,
    conflict: null,
    conflictFields: 0,
  };
}

/** The merge of a stale change onto the server's current version: the op to send, and the fields in conflict. */
async function mergedOp(ctx: ClientContext, e: OutboxEntry, c: QueuedChange, current: RecordWire): Promise<{ op: PushOp | null; fields: string[] }> {
  if (!c.base || !c.header || !c.secret || !c.revision) throw new SafeholdError('internal', 'an offline edit without its base cannot be merged');
  const user = ctx.account.user;
  const uk = ctx.keyring.userKey;
  const base = openStored(uk, user, fromStoredJson(c.base));
  if (current.keyHolder?.kind === 'role') await ctx.keyring.rolePrivateKeys(current.db);
  const keys = ctx.keyring.unwrapRecordKeys(current);
  try {
    if (!base.secret) throw integrityError(c.record);
    if (!keys.secretKey || current.secret === null) throw new SafeholdError('forbidden', `the secret of record ${c.record} is not available to you`);
    const cur = { header: decryptHeader(keys.headerKey, c.record, current.revision, current.header), secret: decryptSecret(keys.secretKey, c.record, current.revision, current.secret) };
    const mine = { header: decryptHeader(base.headerKey, c.record, c.revision, fromB64(c.header)), secret: decryptSecret(base.secretKey ?? keys.secretKey, c.record, c.revision, fromB64(c.secret)) };
    const serverFlat = flatten(cur.header, cur.secret);
    const m = mergeThreeWay(flatten(base.header, base.secret), serverFlat, flatten(mine.header, mine.secret));
    const fields = m.conflicts.map(fieldLabel);
    // Everything of the offline change is already current: nothing to send.
    if (m.conflicts.length === 0 && sameFlat(m.merged, serverFlat)) return { op: null, fields };
    const next = unflatten(m.merged);
    const revision = randomId();
    return {
      fields,
      op: {
        ...opOf(e, c),
        baseRevision: current.revision,
        revision,
        header: encryptPart(keys.headerKey, c.record, 'header', revision, next.header),
        secret: encryptPart(keys.secretKey, c.record, 'secret', revision, next.secret),
        conflict: m.conflicts.length > 0 ? { revision: c.revision, header: c.header, secret: c.secret } : null,
        conflictFields: m.conflicts.length,
      },
    };
  } finally {
    zero(base.headerKey, base.secretKey, keys.headerKey, keys.secretKey);
  }
}

/** Pushes the whole outbox of `store` in order; throws (leaving the unsettled rest queued) when the server fails. */
export async function pushOutbox(ctx: ClientContext, store: OfflineStore, db: string, onBatch?: (left: number) => void): Promise<PushCounts> {
  const counts: PushCounts = { pushed: 0, conflicts: 0, rejected: 0 };
  const send = (ops: PushOp[]) => ctx.api.call(E.pushOffline, { db: asDatabaseId(db) }, { ops });
  for (let entries = store.outbox(); entries.length > 0; entries = store.outbox()) {
    const batch = entries.slice(0, MAX_PUSH_OPS);
    const changes = batch.map((e) => JSON.parse(e.data) as QueuedChange);
    const { results } = await send(batch.map((e, i) => opOf(e, changes[i] as QueuedChange)));
    if (results.length === 0) throw new SafeholdError('server_error', 'the server settled none of the pushed offline changes');
    // Settled locally in one transaction per batch; killed before it, the next push replays (operation ids).
    const settled: Settlement[] = [];
    for (const [i, r0] of results.entries()) {
      const e = batch[i];
      const c = changes[i];
      if (!e || !c || r0.opId !== e.opId) throw new SafeholdError('server_error', 'the server answered the offline push out of order');
      let r: PushResult = r0;
      let fields: string[] = [];
      for (let n = 0; r.status === 'stale'; n++) {
        if (!r.current || n >= MAX_MERGES) throw new SafeholdError('stale_revision', `record ${c.record} keeps changing on the server: the offline edit stays queued`);
        const m = await mergedOp(ctx, e, c, r.current);
        fields = m.fields;
        if (!m.op) {
          r = { opId: e.opId, status: 'applied', reason: null, revision: r.current.revision, current: null };
          break;
        }
        const [again] = (await send([m.op])).results;
        if (!again) throw new SafeholdError('server_error', 'the server did not answer the merged offline change');
        r = again;
      }
      settled.push(settlement(ctx, e, c, r, fields, counts));
    }
    store.settleAll(settled);
    onBatch?.(store.outbox().length);
  }
  return counts;
}

type Settlement = { seq: number; conflict?: ConflictEntry; removeRecord?: string };

/** What settling one answered change does to the file (applied by the caller with the rest of its batch). */
function settlement(ctx: ClientContext, e: OutboxEntry, c: QueuedChange, r: PushResult, fields: string[], counts: PushCounts): Settlement {
  const at = new Date(ctx.clock()).toISOString();
  const entry = (kind: ConflictEntry['kind'], reason: string): ConflictEntry => ({ id: randomId(), record: c.record, kind, at, fields, reason, data: e.data });
  switch (r.status) {
    case 'applied':
      counts.pushed++;
      return { seq: e.seq };
    case 'conflict':
      counts.pushed++;
      counts.conflicts++;
      return { seq: e.seq, conflict: entry('conflict', r.reason ?? 'changed on both sides') };
    case 'deleted':
      counts.pushed++;
      counts.conflicts++;
      return { seq: e.seq, conflict: entry('deleted', r.reason ?? 'the record was deleted on the server') };
    case 'rejected':
      counts.rejected++;
      // A refused create exists nowhere but here: its local copy goes (the change itself is kept, listed).
      return { seq: e.seq, conflict: entry('rejected', r.reason ?? 'refused by the server'), ...(c.kind === 'create' ? { removeRecord: c.record } : {}) };
    case 'stale':
      throw new SafeholdError('internal', 'a stale offline change cannot be settled');
  }
}
