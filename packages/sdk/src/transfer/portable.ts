/**
 * The neutral form of a record between Safehold and a file format (issue 15): what every reader
 * produces and every writer consumes. Secrets are plain strings here, as in any export.
 */
import { SafeholdError } from '@safehold/protocol';

export interface NamedValue {
  name: string;
  value: string;
}

/** One state of a record: its current content, or an older revision. */
export interface PortableContent {
  name: string;
  username: string;
  password: string;
  url: string;
  notes: string;
  tags: string[];
  fields: NamedValue[];
  secretFields: NamedValue[];
}

/** What a file's item was: logins and everything else (kept as records with their fields, never dropped). */
export type PortableKind = 'login' | 'note' | 'card' | 'identity' | 'other';

export interface PortableRecord extends PortableContent {
  /** The Safehold record id the file carried (a file exported by Safehold), else null. */
  origin: string | null;
  /** Stable id of the item within its format (KDBX UUID, Bitwarden id, CSV content hash), for idempotent import. */
  sourceId: string;
  kind: PortableKind;
  /** Older revisions, oldest first. */
  history: PortableContent[];
  /** Where the item is in its file, for messages ("line 12", "items[3]", "entry 3 of group a/b"). */
  position: string;
}

/** What a reader found besides records: skipped items and data Safehold cannot keep yet, by count. */
export interface ParseNotes {
  /** KDBX recycle-bin entries, not imported. */
  recycleBin: number;
  /** Kept in the file, not imported (attachments, Bitwarden password history, passkeys). */
  unsupported: { attachments: number; passwordHistory: number; passkeys: number };
}

export interface ParsedFile {
  records: PortableRecord[];
  notes: ParseNotes;
}

export function emptyNotes(): ParseNotes {
  return { recycleBin: 0, unsupported: { attachments: 0, passwordHistory: 0, passkeys: 0 } };
}

/** A record's records grouped by the database they came from (export). */
export interface ExportedDatabase {
  db: string;
  records: PortableRecord[];
}

/** Largest value of one field (characters); larger is refused with its position, before anything is written. */
export const MAX_FIELD_CHARS = 64 * 1024;
/** Largest record (all its values together, characters). */
export const MAX_RECORD_CHARS = 192 * 1024;

/** The file is malformed: exit 2, with where. */
export function badFile(position: string, message: string): SafeholdError {
  return new SafeholdError('bad_request', `${position}: ${message}`, { position });
}

function valuesOf(c: PortableContent): Array<[string, string]> {
  return [
    ['name', c.name],
    ['username', c.username],
    ['password', c.password],
    ['url', c.url],
    ['notes', c.notes],
    ...c.tags.map((t): [string, string] => ['tag', t]),
    ...c.fields.flatMap((f): Array<[string, string]> => [[`field name`, f.name], [`field ${f.name.slice(0, 40)}`, f.value]]),
    ...c.secretFields.flatMap((f): Array<[string, string]> => [[`field name`, f.name], [`field ${f.name.slice(0, 40)}`, f.value]]),
  ];
}

/** Checks sizes of every record (and its history) before anything is written; throws bad_request with the position. */
export function checkRecords(records: readonly PortableRecord[]): void {
  for (const r of records) {
    for (const state of [r, ...r.history]) {
      let total = 0;
      for (const [what, v] of valuesOf(state)) {
        if (v.length > MAX_FIELD_CHARS) throw badFile(r.position, `${what} is too large (${v.length} characters; at most ${MAX_FIELD_CHARS})`);
        total += v.length;
      }
      if (total > MAX_RECORD_CHARS) throw badFile(r.position, `the record is too large (${total} characters; at most ${MAX_RECORD_CHARS})`);
    }
  }
}

/** A name for an item that has none (Safehold records need one): its URL, user name, or "untitled". */
export function fallbackName(c: Pick<PortableContent, 'name' | 'url' | 'username'>): string {
  if (c.name.trim() !== '') return c.name;
  if (c.url.trim() !== '') return c.url;
  if (c.username.trim() !== '') return c.username;
  return 'untitled';
}
