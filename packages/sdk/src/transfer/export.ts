/**
 * Export (issue 15): asks the server for the records this user holds `export` on (the server decides,
 * withholds what may not leave, and audits the export), and opens them here.
 */
import { SafeholdError, type HeaderPlain, type SecretPlain, asDatabaseId } from '@safehold/protocol';
import type { ExportFormat, ExportRecord } from '@safehold/protocol/transfer';
import type { ClientContext } from '../context.js';
import { maskedForMe } from '../vault.js';
import type { ExportedDatabase, PortableContent, PortableRecord } from './portable.js';
import { decryptHeader, decryptSecret, zero } from '../keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

export interface ExportOptions {
  /** The databases to export (the context's one, or all the user's with --all-databases). */
  dbs: string[];
  format: ExportFormat;
  /** Include each record's older revisions. */
  history?: boolean;
  /** Leave sealed records out entirely (default: header only). */
  skipSealed?: boolean;
}

export interface ExportResult {
  databases: ExportedDatabase[];
  /** Records exported without their secret values: masked for this user, or sealed. */
  withheld: { masked: number; sealed: number };
  /** Sealed records left out (--skip-sealed). */
  skippedSealed: number;
}

function contentOf(header: HeaderPlain, secret: SecretPlain | null): PortableContent {
  return {
    name: header.name,
    username: header.username,
    password: secret?.password ?? '',
    url: header.url,
    notes: header.notes,
    tags: [...header.tags],
    fields: header.fields.map((f) => ({ ...f })),
    secretFields: secret ? secret.fields.map((f) => ({ ...f })) : [],
  };
}

async function fetchExport(ctx: ClientContext, db: string, opts: ExportOptions) {
  const body = { format: opts.format, history: opts.history === true, skipSealed: opts.skipSealed === true };
  // The answer is checked against ExportResponse by the client (the endpoint table names it).
  return ctx.api.call(E.exportRecords, { db: asDatabaseId(db) }, body);
}

/** Opens one exported record; its secret (and its history's) is left out when masked for this user or sealed. */
async function openExported(ctx: ClientContext, db: string, w: ExportRecord): Promise<PortableRecord> {
  if (w.db !== db) throw new SafeholdError('integrity', `record ${w.id} failed integrity check: the server sent data that was tampered with or corrupted`);
  if (w.keyHolder?.kind === 'role') await ctx.keyring.rolePrivateKeys(w.db);
  const keys = ctx.keyring.unwrapRecordKeys(w);
  try {
    // The server already withholds these; the client holds to the same rule (SPEC §1 masking).
    const withhold = w.sealed || maskedForMe({ masked: w.masked, rights: w.rights });
    const header = decryptHeader(keys.headerKey, w.id, w.revision, w.header);
    const secret = !withhold && w.secret !== null && keys.secretKey ? decryptSecret(keys.secretKey, w.id, w.revision, w.secret) : null;
    const history: PortableContent[] = [];
    // The server lists newest first; portable history is oldest first.
    for (const h of [...w.history].reverse()) {
      const hh = decryptHeader(keys.headerKey, w.id, h.revision, h.header);
      let hs: SecretPlain | null = null;
      if (!withhold && h.secret !== null && keys.secretKey) {
        try {
          hs = decryptSecret(keys.secretKey, w.id, h.revision, h.secret);
        } catch {
          // A revision from before a key rotation (seal) opens with the old key only: its secret stays out.
          hs = null;
        }
      }
      history.push(contentOf(hh, hs));
    }
    return { ...contentOf(header, secret), origin: w.id, sourceId: w.id, kind: 'login', history, position: `record ${w.id}` };
  } finally {
    zero(keys.headerKey, keys.secretKey);
  }
}

/** Exports the records this user may export from each database of `opts.dbs` (needs the server: exit 7 offline). */
export async function exportVault(ctx: ClientContext, opts: ExportOptions): Promise<ExportResult> {
  const out: ExportResult = { databases: [], withheld: { masked: 0, sealed: 0 }, skippedSealed: 0 };
  for (const db of opts.dbs) {
    const res = await fetchExport(ctx, db, opts);
    out.skippedSealed += res.skippedSealed;
    const records: PortableRecord[] = [];
    let done = 0;
    const total = res.records.length;
    for (const w of res.records) {
      if (++done % 500 === 0) ctx.events.progress('decrypting', done, total);
      if (w.sealed) out.withheld.sealed += 1;
      else if (maskedForMe({ masked: w.masked, rights: w.rights })) out.withheld.masked += 1;
      records.push(await openExported(ctx, db, w));
    }
    if (total >= 500) ctx.events.progress('decrypting', total, total);
    records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out.databases.push({ db, records });
  }
  return out;
}
