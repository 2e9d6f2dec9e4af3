/**
 * Import (issue 15): records parsed and checked in full first, then encrypted here as every record
 * is and sent in bulk. Each carries a source tag (an HMAC of its source id under a key derived from
 * the user key), so the server can skip what an earlier run imported: a re-run adds nothing, and an
 * interrupted import completes when run again.
 */
import { encryptPart, newRecordKey, randomId, sourceTagger, zero } from '../keys/index.js';
import { SafeholdError, type HeaderPlain, type SecretPlain, asDatabaseId } from '@safehold/protocol';
import type { ImportFormat, ImportRecord, ImportResponse } from '@safehold/protocol/transfer';
import type { ClientContext } from '../context.js';
import { runOfflineTrigger } from '../offline/index.js';
import { checkRecords, fallbackName, type NamedValue, type ParsedFile, type ParseNotes, type PortableContent, type PortableKind, type PortableRecord } from './portable.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

const SOURCE_INFO = 'safehold/v1/import-source';
/** Stay well below the server's 1 MiB body limit. */
const MAX_BATCH_BYTES = 768 * 1024;
const MAX_BATCH = 500;
const MAX_HISTORY = 100;
/** Older revisions of one record together (characters): beyond, the oldest are left out (one request must hold the record). */
const MAX_HISTORY_CHARS = 384 * 1024;
const CHECK_BATCH = 5000;

export interface ImportOptions {
  format: ImportFormat;
  /** Check and count only; nothing is written. */
  dryRun?: boolean;
}

export interface ImportSummary {
  db: string;
  dryRun: boolean;
  /** Records in the file (recycle-bin entries not counted). */
  total: number;
  /** Added now (or, with dryRun, that would be added). */
  created: number;
  /** Already imported earlier (or present by their Safehold id): not added again. */
  existing: number;
  kinds: Record<PortableKind, number>;
  /** The first few names that are (or would be) added. */
  names: string[];
  notes: ParseNotes;
  /** Older revisions left out: beyond the newest 100 of a record, or beyond what one request holds. */
  historyTruncated: number;
}

/** Unique field names in one list (a second "pin" becomes "pin (2)"): a Safehold record holds each name once. */
function uniqueNames(list: readonly NamedValue[]): NamedValue[] {
  const seen = new Map<string, number>();
  return list.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    return n === 1 ? { ...f } : { name: `${f.name} (${n})`, value: f.value };
  });
}

/** The two plaintext parts of one state (values kept exactly; only empty tags are dropped). */
export function partsOfContent(c: PortableContent): { header: HeaderPlain; secret: SecretPlain } {
  const secretFields = uniqueNames(c.secretFields);
  return {
    header: {
      name: fallbackName(c),
      username: c.username,
      url: c.url,
      notes: c.notes,
      tags: [...new Set(c.tags.filter((t) => t.trim() !== ''))],
      fields: uniqueNames(c.fields),
      secretFieldNames: secretFields.map((f) => f.name),
    },
    secret: { password: c.password, fields: secretFields },
  };
}

function contentChars(c: PortableContent): number {
  return JSON.stringify([c.name, c.username, c.password, c.url, c.notes, c.tags, c.fields, c.secretFields]).length;
}

/** The older revisions that are imported: the newest 100, and only as many as fit one request. */
export function keptHistory(r: PortableRecord): PortableContent[] {
  const kept = r.history.slice(-MAX_HISTORY);
  let total = kept.reduce((n, h) => n + contentChars(h), 0);
  while (kept.length > 0 && total > MAX_HISTORY_CHARS) total -= contentChars(kept.shift() as PortableContent);
  return kept;
}

function encryptRecord(ctx: ClientContext, r: PortableRecord, source: string): { body: ImportRecord; size: number } {
  const id = randomId();
  const headerKey = newRecordKey();
  const secretKey = newRecordKey();
  try {
    const history = keptHistory(r).map((h) => {
      const revision = randomId();
      const p = partsOfContent(h);
      return {
        revision,
        header: encryptPart(headerKey, id, 'header', revision, p.header),
        secret: encryptPart(secretKey, id, 'secret', revision, p.secret),
      };
    });
    const revision = randomId();
    const p = partsOfContent(r);
    const body: ImportRecord = {
      id,
      revision,
      header: encryptPart(headerKey, id, 'header', revision, p.header),
      secret: encryptPart(secretKey, id, 'secret', revision, p.secret),
      keys: { header: ctx.keyring.wrapForSelf(id, 'header', headerKey), secret: ctx.keyring.wrapForSelf(id, 'secret', secretKey) },
      source,
      origin: r.origin,
      history,
    };
    const size = body.header.length + body.secret.length + history.reduce((n, h) => n + h.header.length + h.secret.length + 60, 0) + 400;
    return { body, size };
  } finally {
    zero(headerKey, secretKey);
  }
}

async function existingOf(ctx: ClientContext, db: string, items: Array<{ source: string; origin: string | null }>): Promise<Array<string | null>> {
  const out: Array<string | null> = [];
  for (let i = 0; i < items.length; i += CHECK_BATCH) {
    const part = items.slice(i, i + CHECK_BATCH);
    // The answer's shape is checked by the client (ImportCheckResponse); one answer per source is checked here.
    const { existing } = await ctx.api.call(E.importCheck, { db: asDatabaseId(db) }, { sources: part });
    if (existing.length !== part.length) throw new SafeholdError('server_error', 'the server sent an import answer of an unexpected shape');
    out.push(...existing);
  }
  return out;
}

/** Adds the position range of a refused batch to the server's error, keeping its code (and so its exit code). */
function withPositions(e: unknown, batch: readonly PortableRecord[]): unknown {
  if (!(e instanceof SafeholdError) || e.code === 'unreachable') return e;
  const first = batch[0]?.position ?? '';
  const last = batch[batch.length - 1]?.position ?? '';
  const where = first === last ? first : `${first} to ${last}`;
  return new SafeholdError(e.code, `${e.message} (importing ${where}; records before these are imported, run the command again to go on)`, e.details, { cause: e });
}

/** Imports the parsed file into `db` (the context's database by default); see the module comment. */
export async function importVault(ctx: ClientContext, db: string, parsed: ParsedFile, opts: ImportOptions): Promise<ImportSummary> {
  checkRecords(parsed.records);
  const tagger = sourceTagger(ctx.keyring.userKey, SOURCE_INFO);
  const tags = parsed.records.map((r) => tagger.tag(r.sourceId));
  tagger.done();
  const existing = await existingOf(ctx, db, parsed.records.map((r, i) => ({ source: tags[i] ?? '', origin: r.origin })));
  const todo = parsed.records.map((r, i) => ({ r, source: tags[i] ?? '' })).filter((_, i) => existing[i] === null);
  const summary: ImportSummary = {
    db,
    dryRun: opts.dryRun === true,
    total: parsed.records.length,
    created: 0,
    existing: parsed.records.length - todo.length,
    kinds: { login: 0, note: 0, card: 0, identity: 0, other: 0 },
    names: todo.slice(0, 5).map((t) => fallbackName(t.r)),
    notes: parsed.notes,
    historyTruncated: todo.reduce((n, t) => n + t.r.history.length - keptHistory(t.r).length, 0),
  };
  for (const t of todo) summary.kinds[t.r.kind] += 1;
  if (opts.dryRun) {
    summary.created = todo.length;
    return summary;
  }
  let i = 0;
  while (i < todo.length) {
    const batch: Array<{ r: PortableRecord; body: ImportRecord }> = [];
    let bytes = 0;
    while (i < todo.length && batch.length < MAX_BATCH) {
      const t = todo[i];
      if (!t) break;
      const enc = encryptRecord(ctx, t.r, t.source);
      if (batch.length > 0 && bytes + enc.size > MAX_BATCH_BYTES) break;
      batch.push({ r: t.r, body: enc.body });
      bytes += enc.size;
      i += 1;
    }
    let res: ImportResponse;
    try {
      res = await ctx.api.call(E.importRecords, { db: asDatabaseId(db) }, { format: opts.format, records: batch.map((b) => b.body) });
    } catch (e) {
      if (summary.created > 0) await runOfflineTrigger(ctx, 'after-save');
      throw withPositions(e, batch.map((b) => b.r));
    }
    if (res.results.length !== batch.length) throw new SafeholdError('server_error', 'the server sent an import answer of an unexpected shape');
    for (const r of res.results) {
      if (r.status === 'created') summary.created += 1;
      else summary.existing += 1;
    }
    ctx.events.progress('importing', i, todo.length);
  }
  // The after-save trigger (R9) once for the whole import, not per record.
  if (summary.created > 0) await runOfflineTrigger(ctx, 'after-save');
  return summary;
}
