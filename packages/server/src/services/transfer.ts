/**
 * Import and export (issue 15). Import creates many records in one transaction per request, each
 * remembered by the client's source tag so that the same file imported again adds nothing. Export
 * answers the records the caller holds `export` on, with the secret withheld where the caller may not
 * take it out (sealed: always; masked without authorize), and writes one `export` audit row.
 */
import { SafeholdError } from '@safehold/protocol';
import type { z } from 'zod';
import type {
  ExportRecord,
  ExportRequest,
  ExportResponse,
  ImportCheckRequest,
  ImportRecord,
  ImportRequest,
  ImportResponse,
} from '@safehold/protocol/transfer';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import { inTransaction } from '../repositories/changelog.js';
import type { Conn } from '../repositories/db.js';
import { maskHas } from '@safehold/domain';
import type { Actor, DbScope } from './rights.js';
import { rightsFor } from '../repositories/access.js';
import { loadRecordWires } from './recordwire.js';
import { iso, isUniqueViolation, userNames } from '../repositories/lookup.js';
import * as I from '../repositories/imports.js';
import { lockCounter, takeSeqs } from '../repositories/changelog.js';
import { anyRecordAmong, revisionsOfMany } from '../repositories/records.js';
import { secretsOf } from '../repositories/recordviews.js';

type ImportRecordInput = z.output<typeof ImportRecord>;
const CHUNK = 200;

/** For each (source, origin): the live record already imported from that source, or the origin record when the caller reads it. */
export async function findExisting(
  db: Conn,
  actor: Actor,
  scope: DbScope,
  items: ReadonlyArray<{ source: string; origin: string | null }>,
): Promise<Array<string | null>> {
  const bySource = new Map<string, string>();
  const sources = [...new Set(items.map((i) => i.source))];
  for (let i = 0; i < sources.length; i += CHUNK) {
    const rows = await I.importedFrom(db, scope.dbId, actor.userId, sources.slice(i, i + CHUNK));
    for (const r of rows) bySource.set(r.source, r.record_id);
  }
  const origins = [...new Set(items.map((i) => i.origin).filter((o): o is string => o !== null))];
  const readable = new Set<string>();
  for (let i = 0; i < origins.length; i += CHUNK) {
    const access = await rightsFor(db, { userId: actor.userId, dbId: scope.dbId }, origins.slice(i, i + CHUNK));
    for (const [id, a] of access) if (maskHas(a.mask, 'read')) readable.add(id);
  }
  return items.map((i) => bySource.get(i.source) ?? (i.origin !== null && readable.has(i.origin) ? i.origin : null));
}

async function insertRecords(trx: Conn, clock: Clock, actor: Actor, scope: DbScope, recs: ImportRecordInput[]): Promise<void> {
  const ids = recs.map((r) => r.id);
  for (let i = 0; i < ids.length; i += CHUNK) {
    if (await anyRecordAmong(trx, ids.slice(i, i + CHUNK))) throw new SafeholdError('conflict', 'a record with one of these ids already exists');
  }
  // One counter step per record, taken at once: [last - n + 1, last].
  const first = (await takeSeqs(trx, scope.dbId, recs.length)) - recs.length + 1;
  const now = clock.now();
  for (let i = 0; i < recs.length; i += CHUNK) {
    const part = recs.slice(i, i + CHUNK);
    const seqOf = (j: number): number => first + i + j;
    const records = part.map((r, j) => ({
      id: r.id,
      db_id: scope.dbId,
      revision: r.revision,
      creator_id: actor.userId,
      created_at: now,
      updated_at: now,
      updated_by: actor.userId,
      masked: 0,
      sealed: 0,
      header: r.header,
      secret: r.secret,
      deleted_at: null,
      change_seq: seqOf(j),
    }));
    const revisions = part.flatMap((r) => {
      const chain = [...r.history, { revision: r.revision, header: r.header, secret: r.secret }];
      return chain.map((h, k) => ({
        record_id: r.id,
        revision: h.revision,
        base_revision: k === 0 ? null : (chain[k - 1]?.revision ?? null),
        header: h.header,
        secret: h.secret,
        // Older revisions sort before the current one (history lists follow the chain, these times break ties only).
        updated_at: now - (chain.length - 1 - k),
        updated_by: actor.userId,
      }));
    });
    await I.insertImported(trx, {
      records,
      revisions,
      revisionChunk: CHUNK,
      keys: part.map((r) => ({ record_id: r.id, holder_kind: 'user' as const, holder_id: actor.userId, header_key: r.keys.header, secret_key: r.keys.secret })),
      sources: part.map((r) => ({ db_id: scope.dbId, user_id: actor.userId, source: r.source, record_id: r.id })),
      changes: part.map((r, j) => ({ db_id: scope.dbId, seq: seqOf(j), kind: 'record_created' as const, record_id: r.id, role_id: null, user_id: null, at: now })),
    });
  }
}

/** Older revisions of each record (newest first, following the base-revision chain from the current one). */
async function olderRevisions(db: Conn, recs: ReadonlyArray<{ id: string; revision: string }>): Promise<Map<string, ExportRecord['history']>> {
  const out = new Map<string, ExportRecord['history']>();
  for (let i = 0; i < recs.length; i += CHUNK) {
    const part = recs.slice(i, i + CHUNK);
    const rows = await revisionsOfMany(db, part.map((r) => r.id));
    const names = await userNames(db, [...new Set(rows.map((r) => r.updated_by))]);
    const byRecord = new Map<string, Map<string, (typeof rows)[number]>>();
    for (const r of rows) {
      let m = byRecord.get(r.record_id);
      if (!m) byRecord.set(r.record_id, (m = new Map()));
      m.set(r.revision, r);
    }
    for (const rec of part) {
      const revs = byRecord.get(rec.id) ?? new Map<string, (typeof rows)[number]>();
      const list: ExportRecord['history'] = [];
      const seen = new Set<string>([rec.revision]);
      let cur = revs.get(rec.revision);
      for (let prev = cur?.base_revision ? revs.get(cur.base_revision) : undefined; prev && !seen.has(prev.revision); prev = prev.base_revision ? revs.get(prev.base_revision) : undefined) {
        seen.add(prev.revision);
        list.push({ revision: prev.revision, updatedAt: iso(prev.updated_at), updatedBy: names.get(prev.updated_by) ?? 'unknown', header: prev.header, secret: prev.secret });
        cur = prev;
      }
      out.set(rec.id, list);
    }
  }
  return out;
}

/** Import and export, built once with their storage connection and clock (http/services.ts). */
export class TransferService {
  constructor(
    private readonly db: Conn,
    private readonly clock: Clock,
  ) {}

  /** What an import of these sources would skip (writes nothing). */
  async checkImport(actor: Actor, scope: DbScope, req: z.output<typeof ImportCheckRequest>): Promise<{ existing: Array<string | null> }> {
    const db = this.db;
    return { existing: await findExisting(db, actor, scope, req.sources) };
  }

  /** Creates the records of one import request in one transaction; those already imported are reported, not added. */
  async importRecords(actor: Actor, scope: DbScope, req: z.output<typeof ImportRequest>): Promise<ImportResponse> {
    const db = this.db;
    const clock = this.clock;
    try {
      return await inTransaction(db, async (trx) => {
        // Taking the counter first serialises imports of one database, so two runs of the same file cannot both add a record.
        await lockCounter(trx, scope.dbId);
        const existing = await findExisting(trx, actor, scope, req.records);
        const seenInBatch = new Map<string, string>();
        const results: ImportResponse['results'] = [];
        const fresh: ImportRecordInput[] = [];
        req.records.forEach((r, i) => {
          const found = existing[i] ?? seenInBatch.get(r.source) ?? null;
          if (found !== null) results.push({ id: r.id, status: 'exists', existing: found });
          else {
            seenInBatch.set(r.source, r.id);
            fresh.push(r);
            results.push({ id: r.id, status: 'created', existing: null });
          }
        });
        if (fresh.length > 0) await insertRecords(trx, clock, actor, scope, fresh);
        await writeAudit(trx, clock, {
          db: scope.dbName,
          actor: actor.user,
          action: 'import',
          target: null,
          detail: { format: req.format, count: fresh.length, skipped: req.records.length - fresh.length },
        });
        return { results };
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SafeholdError('conflict', 'a record with one of these ids already exists');
      throw e;
    }
  }

  /** The records the caller may export, secrets withheld where they may not leave; one audit row. */
  async exportRecords(actor: Actor, scope: DbScope, req: z.output<typeof ExportRequest>): Promise<ExportResponse> {
    const db = this.db;
    const clock = this.clock;
    // Headers first (a list), then the secrets in chunks: an id list of a whole database would pass the dialects' parameter limits.
    const exportable = (await loadRecordWires(db, clock, actor, scope, { withSecret: false })).filter((w) => w.rights.includes('export') && w.keys !== null);
    const wires = req.skipSealed ? exportable.filter((w) => !w.sealed) : exportable;
    const skippedSealed = exportable.length - wires.length;
    const secrets = new Map<string, string>();
    const wanted = wires.map((w) => w.id);
    for (let i = 0; i < wanted.length; i += CHUNK) {
      for (const row of await secretsOf(db, wanted.slice(i, i + CHUNK))) secrets.set(row.id, row.secret);
    }
    const withheld = { masked: 0, sealed: 0 };
    const history = req.history ? await olderRevisions(db, wires.map((w) => ({ id: w.id, revision: w.revision }))) : new Map<string, ExportRecord['history']>();
    const records: ExportRecord[] = wires.map((w) => {
      // Sealed: never the secret (nor its history's), release or not. Masked for the caller: not in any export (SPEC §1).
      const reason = w.sealed ? 'sealed' : w.masked && !w.rights.includes('authorize') ? 'masked' : null;
      if (reason) withheld[reason] += 1;
      const hist = history.get(w.id) ?? [];
      return {
        ...w,
        secret: reason ? null : (secrets.get(w.id) ?? null),
        keys: w.keys && reason ? { header: w.keys.header, secret: null } : w.keys,
        history: reason ? hist.map((h) => ({ ...h, secret: null })) : hist,
      };
    });
    await writeAudit(db, clock, {
      db: scope.dbName,
      actor: actor.user,
      action: 'export',
      target: null,
      detail: { format: req.format, count: records.length, withoutSecret: withheld.masked + withheld.sealed, skippedSealed, history: req.history },
    });
    return { records, withheld, skippedSealed };
  }
}
