/**
 * Bitwarden's JSON export (issue 15): writing the unencrypted layout, reading it and the
 * password-protected one (bwcrypto.ts). Items that are not logins (secure notes, cards, identities)
 * become records with their fields; password history and passkeys are counted, not kept.
 */
import { randomUUID } from 'node:crypto';
import { isRandomId } from '@safehold/protocol';
import { badFile, emptyNotes, type ExportedDatabase, type NamedValue, type ParsedFile, type PortableKind, type PortableRecord } from '../transfer/portable.js';
import { decryptBitwardenExport, isPasswordProtected } from '../keys/index.js';

/** The field that carries a record's tags when the folder alone does not say them (ADR 0050). */
export const TAGS_FIELD = 'safehold_tags';

interface BwField {
  name: string | null;
  value: string | null;
  type: number;
  linkedId: number | null;
}

const nul = (s: string): string | null => (s === '' ? null : s);

/** Writes Bitwarden's unencrypted JSON export: one folder per database (several) or per first tag. */
export function writeBitwardenJson(dbs: readonly ExportedDatabase[], opts: { allDatabases: boolean }): string {
  const folders = new Map<string, string>();
  const folderId = (name: string): string => {
    let id = folders.get(name);
    if (!id) folders.set(name, (id = randomUUID()));
    return id;
  };
  const items: unknown[] = [];
  for (const d of dbs) {
    for (const r of d.records) {
      const folder = opts.allDatabases ? d.db : (r.tags[0] ?? null);
      const fields: BwField[] = [
        ...r.fields.map((f) => ({ name: f.name, value: f.value, type: 0, linkedId: null })),
        ...r.secretFields.map((f) => ({ name: f.name, value: f.value, type: 1, linkedId: null })),
      ];
      if (!(r.tags.length === 0 && folder === null) && !(r.tags.length === 1 && r.tags[0] === folder)) {
        fields.push({ name: TAGS_FIELD, value: JSON.stringify(r.tags), type: 0, linkedId: null });
      }
      items.push({
        id: r.origin ?? randomUUID(),
        organizationId: null,
        folderId: folder === null ? null : folderId(folder),
        type: 1,
        reprompt: 0,
        name: r.name,
        notes: nul(r.notes),
        favorite: false,
        fields: fields.length > 0 ? fields : undefined,
        login: { uris: r.url === '' ? [] : [{ match: null, uri: r.url }], username: nul(r.username), password: nul(r.password), totp: null },
        collectionIds: null,
      });
    }
  }
  return JSON.stringify({ encrypted: false, folders: [...folders].map(([name, id]) => ({ id, name })), items }, null, 2) + '\n';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

const KINDS: Record<number, PortableKind> = { 1: 'login', 2: 'note', 3: 'card', 4: 'identity' };
const CARD_SECRET = new Set(['number', 'code']);
const IDENTITY_SECRET = new Set(['ssn', 'passportNumber', 'licenseNumber']);

/** Reads an unencrypted or password-protected Bitwarden JSON export (`password` asked only when needed). */
export async function readBitwardenJson(text: string, password: () => Promise<string>, what = 'JSON'): Promise<ParsedFile> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    throw badFile(m ? `${what} character ${m[1]}` : what, 'not valid JSON (truncated file?)');
  }
  if (!isObj(doc)) throw badFile(what, 'not a Bitwarden JSON export (expected an object with "items")');
  if (doc['encrypted'] === true) {
    if (!isPasswordProtected(doc)) throw badFile(what, 'this Bitwarden export is encrypted with the account key; export it again as "password protected" or unencrypted');
    const plain = await decryptBitwardenExport(doc, await password(), what);
    return readBitwardenJson(plain, password, `${what} (decrypted)`);
  }
  const items = doc['items'];
  if (!Array.isArray(items)) throw badFile(what, 'not a Bitwarden JSON export (no "items" list)');
  const folders = new Map<string, string>();
  if (Array.isArray(doc['folders'])) for (const f of doc['folders']) if (isObj(f)) folders.set(str(f['id']), str(f['name']));
  const notes = emptyNotes();
  const records: PortableRecord[] = [];
  items.forEach((item, i) => {
    const position = `${what} items[${i}]`;
    if (!isObj(item)) throw badFile(position, 'an item is not an object');
    const type = typeof item['type'] === 'number' ? item['type'] : 1;
    const kind = KINDS[type] ?? 'other';
    const fields: NamedValue[] = [];
    const secretFields: NamedValue[] = [];
    let tags: string[] | null = null;
    const rawFields = item['fields'];
    if (rawFields !== undefined && rawFields !== null && !Array.isArray(rawFields)) throw badFile(position, '"fields" is not a list');
    for (const f of rawFields ?? []) {
      if (!isObj(f)) throw badFile(position, 'a field is not an object');
      const name = str(f['name']);
      const value = str(f['value']);
      if (name === TAGS_FIELD && f['type'] === 0) {
        try {
          const v: unknown = JSON.parse(value);
          if (Array.isArray(v) && v.every((t) => typeof t === 'string')) {
            tags = v;
            continue;
          }
        } catch {
          // an ordinary field of that name
        }
      }
      (f['type'] === 1 ? secretFields : fields).push({ name, value });
    }
    const folderId = str(item['folderId']);
    const rec: PortableRecord = {
      name: str(item['name']),
      username: '',
      password: '',
      url: '',
      notes: str(item['notes']),
      tags: tags ?? (folders.get(folderId) ? [folders.get(folderId) ?? ''] : []),
      fields,
      secretFields,
      origin: null,
      sourceId: '',
      kind,
      history: [],
      position,
    };
    const id = str(item['id']);
    if (isRandomId(id)) rec.origin = id;
    rec.sourceId = id !== '' ? `bitwarden:${id}` : `bitwarden-position:${i}`;
    const login = item['login'];
    if (isObj(login)) {
      rec.username = str(login['username']);
      rec.password = str(login['password']);
      const uris = Array.isArray(login['uris']) ? login['uris'].filter(isObj).map((u) => str(u['uri'])).filter((u) => u !== '') : [];
      rec.url = uris[0] ?? '';
      uris.slice(1).forEach((u, k) => rec.fields.push({ name: `uri${k + 2}`, value: u }));
      if (str(login['totp']) !== '') rec.secretFields.push({ name: 'totp', value: str(login['totp']) });
      if (Array.isArray(login['fido2Credentials'])) notes.unsupported.passkeys += login['fido2Credentials'].length;
    }
    for (const [key, secretSet] of [['card', CARD_SECRET], ['identity', IDENTITY_SECRET]] as const) {
      const part = item[key];
      if (!isObj(part)) continue;
      for (const [k, v] of Object.entries(part)) {
        if (v === null || v === undefined || str(v) === '') continue;
        (secretSet.has(k) ? rec.secretFields : rec.fields).push({ name: k, value: str(v) });
      }
    }
    if (Array.isArray(item['passwordHistory'])) notes.unsupported.passwordHistory += item['passwordHistory'].length;
    if (Array.isArray(item['attachments'])) notes.unsupported.attachments += item['attachments'].length;
    records.push(rec);
  });
  return { records, notes };
}
