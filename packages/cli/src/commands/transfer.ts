/** export and import (issue 15): parse options, call the SDK, write the file atomically, print counts. */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { SafeholdError } from '@safehold/protocol';
import type { Cli } from '../runtime.js';
import { examples } from '../format.js';
import { usage } from '../usage.js';
import { filePasswordReader } from '../password.js';

const EXPORT_FORMATS = ['kdbx', 'bitwarden-json', 'csv'] as const;
const IMPORT_FORMATS = ['kdbx', 'bitwarden-json', 'csv', 'keepass-csv'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];
type ImportFormat = (typeof IMPORT_FORMATS)[number];

interface ExportOpts {
  format: string;
  allDatabases?: boolean;
  force?: boolean;
  unencrypted?: boolean;
  history?: boolean;
  skipSealed?: boolean;
  spreadsheetSafe?: boolean;
  exportPasswordStdin?: boolean;
}

interface ImportOpts {
  format: string;
  dryRun?: boolean;
  importPasswordStdin?: boolean;
}

/**
 * Writes `bytes` to `file` with mode 0600, atomically: a temporary file beside it, synced, then
 * linked into place (fails if FILE appeared meanwhile) or, with `force`, renamed over it. A failure
 * leaves no partial file.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array, force: boolean): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (force) renameSync(tmp, file);
    else {
      try {
        linkSync(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(file);
        throw e;
      }
      unlinkSync(tmp);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone (renamed or linked)
    }
    throw e;
  }
}

function existsError(file: string): SafeholdError {
  return new SafeholdError('conflict', `${file} already exists (give --force to overwrite it)`);
}

async function confirmPlaintext(cli: Cli, file: string): Promise<boolean> {
  if (cli.io.stderr.isTTY !== true || process.stdin.isTTY !== true) return false;
  const rl = createInterface({ input: process.stdin, output: cli.io.stderr as NodeJS.WritableStream });
  try {
    const a = await rl.question(`${file} will hold your passwords in plain text. Write it? Type "yes": `);
    return a.trim() === 'yes';
  } finally {
    rl.close();
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function registerTransferCommands(program: Command, cli: Cli): void {
  program
    .command('export')
    .description('export the records you hold the export right on (needs the server; audited there)')
    .requiredOption('--format <format>', `file format: ${EXPORT_FORMATS.join(', ')}`)
    .argument('<file>', 'file to write (never overwritten without --force)')
    .option('--all-databases', 'every database you are a member of (one KDBX group / JSON folder each)')
    .option('--force', 'overwrite FILE if it exists')
    .option('--unencrypted', 'allow a plaintext format (bitwarden-json, csv)')
    .option('--history', "include each record's older revisions (KDBX entry history)")
    .option('--skip-sealed', 'leave sealed records out (default: header only, never their secret)')
    .option('--spreadsheet-safe', "csv: prefix cells starting with = + - @ with ' (the file then no longer re-imports exactly)")
    .option('--export-password-stdin', 'read the KDBX file password from standard input (after the master password with --password-stdin)')
    .addHelpText(
      'after',
      () => `
KDBX file password: a hidden prompt (asked twice), SAFEHOLD_EXPORT_PASSWORD, or --export-password-stdin.
Records masked for you are exported without their secret values; sealed records never with theirs.
${examples('safehold export --format kdbx team.kdbx', 'safehold export --format csv --unencrypted --all-databases all.csv')}`,
    )
    .action(async (fileArg: string, o: ExportOpts, cmd: Command) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) throw usage(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      const format = o.format as ExportFormat;
      const file = resolve(fileArg);
      if (o.spreadsheetSafe && format !== 'csv') throw usage('--spreadsheet-safe goes with --format csv');
      if (o.exportPasswordStdin && format !== 'kdbx') throw usage('--export-password-stdin goes with --format kdbx');
      if (existsSync(file) && !o.force) throw existsError(file);
      const plaintext = format !== 'kdbx';
      if (plaintext && !o.unencrypted && !(await confirmPlaintext(cli, file))) {
        throw usage(`--format ${format} writes your passwords in plain text: give --unencrypted (or confirm on a terminal), or use --format kdbx`);
      }
      const g = cli.globals(cmd);
      const filePassword = filePasswordReader({
        env: cli.io.env,
        envName: 'SAFEHOLD_EXPORT_PASSWORD',
        fromStdin: o.exportPasswordStdin === true,
        masterFromStdin: g.passwordStdin === true,
        confirm: true,
        flag: '--export-password-stdin',
      });
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const dbs = o.allDatabases ? ctx.accountFile.databases.map((d) => d.name) : [sdk.requireDb(ctx)];
      const password = format === 'kdbx' ? await filePassword() : undefined;
      const res = await sdk.exportVault(ctx, { dbs, format, history: o.history === true, skipSealed: o.skipSealed === true });
      const bytes = await sdk.writeExportFile(format, res.databases, {
        allDatabases: o.allDatabases === true,
        history: o.history === true,
        spreadsheetSafe: o.spreadsheetSafe === true,
        ...(password !== undefined ? { password } : {}),
      });
      writeFileAtomic(file, bytes, o.force === true);
      if (plaintext) cli.io.stderr.write(`warning: ${file} holds your passwords in plain text: keep it safe and delete it when done\n`);
      if (o.spreadsheetSafe) cli.io.stderr.write("warning: --spreadsheet-safe prefixed formula-like cells with ': this file no longer re-imports byte for byte\n");
      const count = res.databases.reduce((n, d) => n + d.records.length, 0);
      const out = {
        file,
        format,
        records: count,
        databases: res.databases.map((d) => ({ db: d.db, records: d.records.length })),
        withoutSecret: res.withheld,
        skippedSealed: res.skippedSealed,
      };
      cli.print(cmd, out, () => {
        const lines = [`exported ${plural(count, 'record')} from ${dbs.join(', ')} to ${file} (${format})`];
        if (res.withheld.masked > 0) lines.push(`${plural(res.withheld.masked, 'record')} masked for you: exported without secret values`);
        if (res.withheld.sealed > 0) lines.push(`${plural(res.withheld.sealed, 'sealed record')}: exported header only, without secret values`);
        if (res.skippedSealed > 0) lines.push(`${plural(res.skippedSealed, 'sealed record')} left out (--skip-sealed)`);
        return lines.join('\n');
      });
    });

  program
    .command('import')
    .description('import records from a KeePass, Bitwarden or CSV file into the database (needs the server)')
    .requiredOption('--format <format>', `file format: ${IMPORT_FORMATS.join(', ')}`)
    .argument('<file>', 'file to read')
    .option('--dry-run', 'check the file and print what would be imported; write nothing')
    .option('--import-password-stdin', 'read the file password from standard input (after the master password with --password-stdin)')
    .addHelpText(
      'after',
      () => `
File password (KDBX, password-protected Bitwarden JSON): a hidden prompt, SAFEHOLD_IMPORT_PASSWORD, or --import-password-stdin.
Importing the same file again adds nothing; an interrupted import completes when run again.
${examples('safehold import --format kdbx --dry-run old.kdbx', 'safehold import --format bitwarden-json bitwarden_export.json')}`,
    )
    .action(async (fileArg: string, o: ImportOpts, cmd: Command) => {
      if (!(IMPORT_FORMATS as readonly string[]).includes(o.format)) throw usage(`--format must be one of ${IMPORT_FORMATS.join(', ')}`);
      const format = o.format as ImportFormat;
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(fileArg);
      } catch (e) {
        throw usage(`cannot read ${fileArg}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      const g = cli.globals(cmd);
      const filePassword = filePasswordReader({
        env: cli.io.env,
        envName: 'SAFEHOLD_IMPORT_PASSWORD',
        fromStdin: o.importPasswordStdin === true,
        masterFromStdin: g.passwordStdin === true,
        confirm: false,
        flag: '--import-password-stdin',
      });
      const sdk = await import('@safehold/sdk');
      // The whole file is parsed and checked before the account is even opened.
      const parsed = await sdk.readImportFile(format, bytes, filePassword, basename(fileArg));
      sdk.checkRecords(parsed.records);
      const ctx = await cli.open(cmd);
      const s = await sdk.importVault(ctx, sdk.requireDb(ctx), parsed, { format, dryRun: o.dryRun === true });
      cli.print(cmd, s, () => {
        const kinds = Object.entries(s.kinds).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
        const lines = [
          s.dryRun
            ? `would import ${plural(s.created, 'record')} into ${s.db} (${s.existing} already there)${kinds ? `: ${kinds}` : ''}`
            : `imported ${plural(s.created, 'record')} into ${s.db} (${s.existing} already there)${kinds ? `: ${kinds}` : ''}`,
        ];
        if (s.dryRun && s.names.length > 0) lines.push(`first: ${s.names.join(', ')}`);
        if (s.notes.recycleBin > 0) lines.push(`${plural(s.notes.recycleBin, 'recycle-bin entry', 'recycle-bin entries')} skipped`);
        const u = s.notes.unsupported;
        if (u.attachments > 0) lines.push(`${plural(u.attachments, 'attachment')} not imported (Safehold keeps no attachments yet)`);
        if (u.passwordHistory > 0) lines.push(`${plural(u.passwordHistory, 'password history entry', 'password history entries')} not imported`);
        if (u.passkeys > 0) lines.push(`${plural(u.passkeys, 'passkey')} not imported`);
        if (s.historyTruncated > 0) lines.push(`${plural(s.historyTruncated, 'older revision')} not imported (at most the newest 100 per record, and what fits one request)`);
        return lines.join('\n');
      });
    });
}
