/** Reading and writing whole files of each format (the formats themselves live in ../formats). */
import { SafeholdError } from '@safehold/protocol';
import type { ExportFormat, ImportFormat } from '@safehold/protocol/transfer';
import { decodeUtf8 } from '../formats/csv.js';
import { readCsv, readKeepassCsv, writeSafeholdCsv } from '../formats/csvformats.js';
import { readBitwardenJson, writeBitwardenJson } from '../formats/bitwarden.js';
import { readKdbx, writeKdbx } from '../formats/kdbx.js';
import type { ExportedDatabase, ParsedFile } from './portable.js';

export { encryptBitwardenExport } from '../keys/index.js';
export { parseCsv, writeCsv } from '../formats/csv.js';
export { KDBX_ARGON2_ITERATIONS, KDBX_ARGON2_MEMORY_BYTES } from '../formats/kdbx.js';

export interface ExportFileOptions {
  allDatabases: boolean;
  history?: boolean;
  spreadsheetSafe?: boolean;
  /** The file password (KDBX). */
  password?: string;
}

/** True for formats that are plaintext on disk (need --unencrypted). */
export function isPlaintextFormat(f: ExportFormat): boolean {
  return f !== 'kdbx';
}

/** The file's bytes in the chosen format. */
export async function writeExportFile(format: ExportFormat, dbs: readonly ExportedDatabase[], opts: ExportFileOptions): Promise<Uint8Array> {
  if (format === 'kdbx') {
    if (!opts.password) throw new SafeholdError('bad_request', 'a KDBX export needs a file password');
    return writeKdbx(dbs, opts.password, { history: opts.history === true });
  }
  const text = format === 'csv' ? writeSafeholdCsv(dbs, opts) : writeBitwardenJson(dbs, opts);
  return new TextEncoder().encode(text);
}

/** Parses a whole file; `password` is asked only for formats that need one (KDBX, password-protected Bitwarden JSON). */
export async function readImportFile(format: ImportFormat, bytes: Uint8Array, password: () => Promise<string>, name: string): Promise<ParsedFile> {
  switch (format) {
    case 'kdbx':
      return readKdbx(bytes, await password(), name);
    case 'bitwarden-json':
      return readBitwardenJson(decodeUtf8(bytes, name), password, name);
    case 'csv':
      return readCsv(decodeUtf8(bytes, name), name);
    case 'keepass-csv':
      return readKeepassCsv(decodeUtf8(bytes, name), name);
  }
}
