/**
 * Wire schemas of import and export (kept apart from api.ts, which they build on):
 *   POST   /db/:db/import          ImportRequest -> ImportResponse   (bulk create, idempotent by source tag)
 *   POST   /db/:db/import/check    ImportCheckRequest -> ImportCheckResponse (what an import would skip; writes nothing)
 *   POST   /db/:db/export          ExportRequest -> ExportResponse   (records with the export right; audited)
 * A source tag is an HMAC the client makes of the record's source id (KDBX UUID, Bitwarden id, CSV
 * content hash) under a key derived from its user key, so the server can match a re-import without
 * learning anything about the file.
 */
import { z } from 'zod';
import { B64, HistoryEntry, RandomId, RecordWire } from './api.js';

/** Largest number of records in one import request (the body limit of 1 MiB also applies). */
export const MAX_IMPORT_BATCH = 500;
/** Largest number of older revisions one imported record may carry. */
export const MAX_IMPORT_HISTORY = 100;

export const IMPORT_FORMATS = ['kdbx', 'bitwarden-json', 'csv', 'keepass-csv'] as const;
export const EXPORT_FORMATS = ['kdbx', 'bitwarden-json', 'csv'] as const;
export const ImportFormat = z.enum(IMPORT_FORMATS);
export type ImportFormat = z.infer<typeof ImportFormat>;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** HMAC-SHA256 as unpadded base64url (43 characters). */
export const SourceTag = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 43-character source tag');

/** An older revision of an imported record (oldest first), encrypted under the record's keys. */
export const ImportRevision = z.object({ revision: RandomId, header: B64, secret: B64 }).strict();

export const ImportRecord = z
  .object({
    id: RandomId,
    revision: RandomId,
    header: B64,
    secret: B64,
    keys: z.object({ header: B64, secret: B64 }).strict(),
    source: SourceTag,
    /** The Safehold record id the file carried (a file exported by Safehold): skipped when that record is here. */
    origin: RandomId.nullable().default(null),
    history: z.array(ImportRevision).max(MAX_IMPORT_HISTORY).default([]),
  })
  .strict();
export type ImportRecord = z.input<typeof ImportRecord>;

export const ImportRequest = z
  .object({ format: ImportFormat, records: z.array(ImportRecord).min(1).max(MAX_IMPORT_BATCH) })
  .strict();
export type ImportRequest = z.input<typeof ImportRequest>;

/** Per record of the request, in order: created, or already here (`existing` names the record found). */
export const ImportResult = z
  .object({ id: RandomId, status: z.enum(['created', 'exists']), existing: RandomId.nullable() })
  .strict();
export const ImportResponse = z.object({ results: z.array(ImportResult) }).strict();
export type ImportResponse = z.infer<typeof ImportResponse>;

export const ImportCheckRequest = z
  .object({
    sources: z
      .array(z.object({ source: SourceTag, origin: RandomId.nullable().default(null) }).strict())
      .min(1)
      .max(MAX_IMPORT_BATCH * 10),
  })
  .strict();
export type ImportCheckRequest = z.input<typeof ImportCheckRequest>;
/** Per source of the request, in order: the record already imported from it, or null. */
export const ImportCheckResponse = z.object({ existing: z.array(RandomId.nullable()) }).strict();
export type ImportCheckResponse = z.infer<typeof ImportCheckResponse>;

export const ExportRequest = z
  .object({
    format: ExportFormat,
    history: z.boolean().default(false),
    /** Leave sealed records out entirely (default: header only). */
    skipSealed: z.boolean().default(false),
  })
  .strict();
export type ExportRequest = z.input<typeof ExportRequest>;

/**
 * One exported record: the caller's RecordWire (secret null when sealed, or masked for the caller) and,
 * when asked for, its older revisions (secrets null on the same terms).
 */
export const ExportRecord = RecordWire.extend({ history: z.array(HistoryEntry) }).strict();
export type ExportRecord = z.infer<typeof ExportRecord>;
export const ExportResponse = z
  .object({
    records: z.array(ExportRecord),
    /** How many exported records went without their secret, by reason. */
    withheld: z.object({ masked: z.number().int().nonnegative(), sealed: z.number().int().nonnegative() }).strict(),
    /** Sealed records left out (skipSealed). */
    skippedSealed: z.number().int().nonnegative(),
  })
  .strict();
export type ExportResponse = z.infer<typeof ExportResponse>;
