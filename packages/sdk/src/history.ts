/** A record's history: every revision, decrypted here; secrets only on a permitted reveal. */
import type { SecretPlain } from '@safehold/protocol';
import type { ClientContext } from './context.js';
import { integrityError, revealView, toView, type RecordView } from './recordview.js';
import { assertRevealable, checkRecordId, getRecord, ofRecord } from './vault.js';
import { decryptHeader, decryptSecret, zero } from './keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** One revision in a record's history. */
export interface HistoryItem {
  revision: string;
  updatedAt: string;
  updatedBy: string;
  name: string;
  username: string;
  url: string;
  notes: string;
  tags: RecordView['tags'];
  fields: RecordView['fields'];
  /** Only with `reveal`; absent when this revision's secret cannot be opened (an older key rotated by a seal). */
  password?: string;
  /** E5: an offline version that lost a same-field conflict (kept here, never current). */
  conflict?: boolean;
}

/** The revisions of a record, newest first; secrets only with `reveal` (refused when masked or sealed). */
export async function recordHistory(ctx: ClientContext, id: string, opts: { reveal?: boolean } = {}): Promise<{ record: string; revisions: HistoryItem[] }> {
  checkRecordId(id);
  const cur = await getRecord(ctx, id);
  try {
    if (opts.reveal) assertRevealable(cur.view, cur.secret);
    const hist = await ctx.api.call(E.recordHistory, ofRecord(ctx, id));
    if (hist.record !== id) throw integrityError(id);
    const revisions: HistoryItem[] = [];
    for (const entry of hist.revisions) {
      const header = decryptHeader(cur.keys.headerKey, id, entry.revision, entry.header);
      const base = toView({ ...cur.wire, revision: entry.revision, updatedAt: entry.updatedAt }, header);
      const item: HistoryItem = {
        revision: entry.revision,
        updatedAt: entry.updatedAt,
        updatedBy: entry.updatedBy,
        name: base.name,
        username: base.username,
        url: base.url,
        notes: base.notes,
        tags: base.tags,
        fields: base.fields,
        ...(entry.conflict ? { conflict: true } : {}),
      };
      if (opts.reveal && entry.secret !== null && cur.keys.secretKey) {
        let secret: SecretPlain | null = null;
        try {
          secret = decryptSecret(cur.keys.secretKey, id, entry.revision, entry.secret);
        } catch (e) {
          // Older revisions may be under a secret key that a seal rotated away; the current one must open.
          if (entry.revision === cur.wire.revision) throw e;
        }
        if (secret) {
          const r = revealView(base, secret);
          item.fields = r.fields;
          item.password = r.password;
        }
      }
      revisions.push(item);
    }
    return { record: id, revisions };
  } finally {
    zero(cur.keys.headerKey, cur.keys.secretKey);
  }
}
