/**
 * Import and export as the SDK's front door offers them: their modules (the server round trips and the
 * file formats: KDBX, Bitwarden JSON, CSV) load at the first call, so the other commands do not pay for
 * them at start (docs/adr/0143-offline-sync-path.md). Same signatures as the functions they load.
 */
import type * as Export from './export.js';
import type * as Files from './files.js';
import type * as Import from './import.js';

/** The records to export, decrypted, per database (see export.ts). */
export async function exportVault(...a: Parameters<typeof Export.exportVault>): Promise<Export.ExportResult> {
  return (await import('./export.js')).exportVault(...a);
}

/** Imports parsed records into a database (see import.ts). */
export async function importVault(...a: Parameters<typeof Import.importVault>): Promise<Import.ImportSummary> {
  return (await import('./import.js')).importVault(...a);
}

/** Reads an import file of the given format (see files.ts). */
export async function readImportFile(...a: Parameters<typeof Files.readImportFile>): Promise<Awaited<ReturnType<typeof Files.readImportFile>>> {
  return (await import('./files.js')).readImportFile(...a);
}

/** Writes the export file of the given format (see files.ts). */
export async function writeExportFile(...a: Parameters<typeof Files.writeExportFile>): Promise<Uint8Array> {
  return (await import('./files.js')).writeExportFile(...a);
}
