/**
 * The CSV formats (issue 15): Safehold's CSV (Bitwarden's column set followed by `tags`,
 * `secret_fields`, `safehold_id`, so Bitwarden can import it and Safehold re-imports it exactly),
 * Bitwarden's own CSV (told apart by the header), and KeePassXC's CSV export (`keepass-csv`).
 * See docs/adr/0050-impexp-formats.md for the cell encodings.
 */
import { createHash } from 'node:crypto';
import { isRandomId } from '@safehold/protocol';
import { badFile, emptyNotes, type ExportedDatabase, type NamedValue, type ParsedFile, type PortableRecord } from '../transfer/portable.js';
import { parseCsv, writeCsv, type CsvRow } from './csv.js';

export const BITWARDEN_CSV_COLUMNS = ['folder', 'favorite', 'type', 'name', 'notes', 'fields', 'reprompt', 'login_uri', 'login_username', 'login_password', 'login_totp'] as const;
export const SAFEHOLD_CSV_COLUMNS = [...BITWARDEN_CSV_COLUMNS, 'tags', 'secret_fields', 'safehold_id'] as const;
const KEEPASS_CSV_COLUMNS = ['Group', 'Title', 'Username', 'Password', 'URL', 'Notes'] as const;

/** True when Bitwarden's `name: value` lines hold these fields exactly (its reader splits at the last ": "). */
function linesHold(fields: readonly NamedValue[]): boolean {
  return fields.every((f) => !/[\r\n]/.test(f.name) && !/[\r\n]/.test(f.value) && !f.value.includes(': ') && f.name.trim() !== '' && !f.name.endsWith(':'));
}

/** The `fields` cell: Bitwarden's lines where they hold the fields exactly, else a JSON array (ADR 0050). */
export function fieldsCell(fields: readonly NamedValue[]): string {
  if (fields.length === 0) return '';
  if (linesHold(fields)) return fields.map((f) => `${f.name}: ${f.value}`).join('\n');
  return JSON.stringify(fields.map((f) => ({ name: f.name, value: f.value })));
}

function isNamedValues(v: unknown): v is NamedValue[] {
  return Array.isArray(v) && v.every((f) => f !== null && typeof f === 'object' && typeof (f as NamedValue).name === 'string' && typeof (f as NamedValue).value === 'string');
}

/** Reads a `fields` cell (JSON array, or Bitwarden's lines). */
export function readFieldsCell(cell: string): NamedValue[] {
  if (cell === '') return [];
  if (cell.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(cell);
      if (isNamedValues(v)) return v.map((f) => ({ name: f.name, value: f.value }));
    } catch {
      // Not JSON: Bitwarden's lines, read below.
    }
  }
  const out: NamedValue[] = [];
  for (const line of cell.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const at = line.lastIndexOf(': ');
    if (at < 0) out.push({ name: line, value: '' });
    else out.push({ name: line.slice(0, at), value: line.slice(at + 2) });
  }
  return out;
}

/** Writes Safehold's CSV. `folder` is the database with several databases, else the first tag. */
export function writeSafeholdCsv(dbs: readonly ExportedDatabase[], opts: { allDatabases: boolean; spreadsheetSafe?: boolean }): string {
  const rows: string[][] = [[...SAFEHOLD_CSV_COLUMNS]];
  for (const d of dbs) {
    for (const r of d.records) {
      rows.push([
        opts.allDatabases ? d.db : (r.tags[0] ?? ''),
        '',
        'login',
        r.name,
        r.notes,
        fieldsCell(r.fields),
        '0',
        r.url,
        r.username,
        r.password,
        '',
        JSON.stringify(r.tags),
        JSON.stringify(r.secretFields.map((f) => ({ name: f.name, value: f.value }))),
        r.origin ?? '',
      ]);
    }
  }
  return writeCsv(rows, { spreadsheetSafe: opts.spreadsheetSafe === true });
}

/** A stable id for a CSV row without one: a hash of its content, with its occurrence among identical rows. */
function contentIds(records: PortableRecord[], prefix: string): void {
  const seen = new Map<string, number>();
  for (const r of records) {
    if (r.sourceId !== '') continue;
    const h = createHash('sha256')
      .update(JSON.stringify([r.name, r.username, r.password, r.url, r.notes, r.tags, r.fields, r.secretFields, r.kind]))
      .digest('base64url');
    const n = (seen.get(h) ?? 0) + 1;
    seen.set(h, n);
    r.sourceId = `${prefix}:${h}:${n}`;
  }
}

function columnIndex(header: CsvRow, needed: readonly string[], what: string): Map<string, number> {
  const idx = new Map<string, number>();
  header.cells.forEach((c, i) => idx.set(c.trim(), i));
  const missing = needed.filter((c) => !idx.has(c));
  if (missing.length > 0) throw badFile(`${what} line ${header.line}`, `unknown column set: missing ${missing.join(', ')}`);
  return idx;
}

function cellsOf(row: CsvRow, width: number, what: string): (name: string, idx: Map<string, number>) => string {
  if (row.cells.length !== width) {
    throw badFile(`${what} line ${row.line}`, `expected ${width} values, found ${row.cells.length} (a value with a comma or line break must be quoted)`);
  }
  return (name, idx) => {
    const i = idx.get(name);
    return i === undefined ? '' : (row.cells[i] ?? '');
  };
}

function jsonCell<T>(cell: string, check: (v: unknown) => v is T, position: string, column: string): T {
  try {
    const v: unknown = JSON.parse(cell);
    if (check(v)) return v;
  } catch {
    // reported below
  }
  throw badFile(position, `column ${column} is not what Safehold writes there (a JSON array)`);
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((t) => typeof t === 'string');

/** Reads Safehold's or Bitwarden's CSV (told apart by the `safehold_id` column). */
export function readCsv(text: string, what = 'CSV'): ParsedFile {
  const rows = parseCsv(text, what);
  const header = rows[0];
  if (!header) throw badFile(`${what} line 1`, 'the file is empty');
  const names = header.cells.map((c) => c.trim());
  if (names.includes('Group') && names.includes('Title')) throw badFile(`${what} line 1`, 'this is a KeePass CSV export: use --format keepass-csv');
  const safehold = names.includes('safehold_id');
  const idx = columnIndex(header, safehold ? SAFEHOLD_CSV_COLUMNS : ['name', 'login_password'], what);
  const records: PortableRecord[] = [];
  for (const row of rows.slice(1)) {
    if (row.cells.length === 1 && row.cells[0] === '') continue;
    const get = cellsOf(row, header.cells.length, what);
    const position = `${what} line ${row.line}`;
    const c = (n: string) => get(n, idx);
    const type = c('type') === '' ? 'login' : c('type');
    const kind = type === 'login' ? 'login' : type === 'note' ? 'note' : type === 'card' ? 'card' : type === 'identity' ? 'identity' : 'other';
    const rec: PortableRecord = {
      name: c('name'),
      username: c('login_username'),
      password: c('login_password'),
      url: c('login_uri'),
      notes: c('notes'),
      tags: [],
      fields: readFieldsCell(c('fields')),
      secretFields: [],
      origin: null,
      sourceId: '',
      kind,
      history: [],
      position,
    };
    if (safehold) {
      rec.tags = c('tags') === '' ? [] : jsonCell(c('tags'), isStringArray, position, 'tags');
      rec.secretFields = c('secret_fields') === '' ? [] : jsonCell(c('secret_fields'), isNamedValues, position, 'secret_fields');
      const id = c('safehold_id');
      if (id !== '') {
        if (!isRandomId(id)) throw badFile(position, 'column safehold_id is not a Safehold record id');
        rec.origin = id;
        rec.sourceId = `safehold:${id}`;
      }
    } else {
      // Bitwarden: the folder is a tag, the URIs are comma-separated, the TOTP seed is a secret.
      if (c('folder') !== '') rec.tags = [c('folder')];
      const uris = rec.url.split(',').map((u) => u.trim()).filter((u) => u !== '');
      rec.url = uris[0] ?? '';
      uris.slice(1).forEach((u, i) => rec.fields.push({ name: `uri${i + 2}`, value: u }));
    }
    if (c('login_totp') !== '') rec.secretFields.push({ name: 'totp', value: c('login_totp') });
    records.push(rec);
  }
  contentIds(records, 'csv');
  return { records, notes: emptyNotes() };
}

/** Reads KeePassXC's CSV export: groups (below the root) become a tag joined with `/`, TOTP a secret field. */
export function readKeepassCsv(text: string, what = 'CSV'): ParsedFile {
  const rows = parseCsv(text, what);
  const header = rows[0];
  if (!header) throw badFile(`${what} line 1`, 'the file is empty');
  const idx = columnIndex(header, KEEPASS_CSV_COLUMNS, what);
  const records: PortableRecord[] = [];
  for (const row of rows.slice(1)) {
    if (row.cells.length === 1 && row.cells[0] === '') continue;
    const get = cellsOf(row, header.cells.length, what);
    const c = (n: string) => get(n, idx);
    const group = c('Group').split('/').slice(1).join('/');
    const rec: PortableRecord = {
      name: c('Title'),
      username: c('Username'),
      password: c('Password'),
      url: c('URL'),
      notes: c('Notes'),
      tags: group === '' ? [] : [group],
      fields: [],
      secretFields: c('TOTP') === '' ? [] : [{ name: 'totp', value: c('TOTP') }],
      origin: null,
      sourceId: '',
      kind: 'login',
      history: [],
      position: `${what} line ${row.line}`,
    };
    records.push(rec);
  }
  contentIds(records, 'keepass-csv');
  return { records, notes: emptyNotes() };
}
