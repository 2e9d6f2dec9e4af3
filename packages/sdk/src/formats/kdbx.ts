/**
 * KDBX (KeePass) through kdbxweb, with Argon2 from the package the project already uses (issue 15).
 * Writing: KDBX 4, Argon2id 64 MiB / 3 iterations (never the library's weaker default), AES-256; one
 * group per database under a root "Safehold"; secret fields as protected values; the Safehold id in
 * the `SafeholdId` field. Reading: KDBX 3.1 and 4; groups (below the root) become a tag, the recycle
 * bin is skipped and counted, attachments are counted; a wrong password is exit 3.
 */
import { SafeholdError, isRandomId } from '@safehold/protocol';
import type * as KdbxWeb from 'kdbxweb';
import { badFile, emptyNotes, type ExportedDatabase, type NamedValue, type ParsedFile, type PortableContent, type PortableRecord } from '../transfer/portable.js';
import { foreignArgon2 } from '../keys/index.js';

export const KDBX_ARGON2_MEMORY_BYTES = 64 * 1024 * 1024;
export const KDBX_ARGON2_ITERATIONS = 3;
/** Largest Argon2 cost a file may ask of us when reading (a hostile file could ask for terabytes). */
const MAX_READ_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_READ_ITERATIONS = 1000;

export const ID_FIELD = 'SafeholdId';
export const TAGS_FIELD = 'SafeholdTags';
const STANDARD = ['Title', 'UserName', 'Password', 'URL', 'Notes'];

let lib: Promise<typeof KdbxWeb> | undefined;
/** kdbxweb with our Argon2, loaded on first use (it is large, and only import/export need it). */
function kdbxweb(): Promise<typeof KdbxWeb> {
  lib ??= import('kdbxweb').then((m) => {
    const k = (m as unknown as { default?: typeof KdbxWeb }).default ?? m;
    k.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type, version) => {
      if (memory * 1024 > MAX_READ_MEMORY_BYTES || iterations > MAX_READ_ITERATIONS || parallelism > 64) {
        throw new SafeholdError('bad_request', 'the KDBX file asks for an unreasonable Argon2 cost');
      }
      const out = await foreignArgon2(new Uint8Array(password), new Uint8Array(salt), {
        type: type === 2 ? 2 : 0,
        version: version === 0x13 ? 0x13 : 0x10,
        memoryKiB: memory,
        iterations,
        parallelism,
        length,
      });
      return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
    });
    return k;
  });
  return lib;
}

/** Field names Safehold cannot give KDBX as they are (taken by KeePass or by us): suffixed. */
function kdbxFieldName(name: string, taken: Set<string>): string {
  let n = STANDARD.includes(name) || name === ID_FIELD || name === TAGS_FIELD ? `${name} (field)` : name;
  while (taken.has(n)) n = `${n} (2)`;
  taken.add(n);
  return n;
}

/** Tags KeePass keeps exactly in its tag list (it splits on , and ;). */
function tagsSafe(tags: readonly string[]): boolean {
  return tags.every((t) => !/[,;:]/.test(t) && t === t.trim() && t !== '');
}

function setContent(k: typeof KdbxWeb, e: KdbxWeb.KdbxEntry, c: PortableContent, id: string | null): void {
  e.fields.clear();
  e.fields.set('Title', c.name);
  e.fields.set('UserName', c.username);
  e.fields.set('Password', k.ProtectedValue.fromString(c.password));
  e.fields.set('URL', c.url);
  e.fields.set('Notes', c.notes);
  const taken = new Set<string>();
  for (const f of c.fields) e.fields.set(kdbxFieldName(f.name, taken), f.value);
  for (const f of c.secretFields) e.fields.set(kdbxFieldName(f.name, taken), k.ProtectedValue.fromString(f.value));
  if (id !== null) e.fields.set(ID_FIELD, id);
  e.tags = [...c.tags];
  if (!tagsSafe(c.tags)) e.fields.set(TAGS_FIELD, JSON.stringify(c.tags));
}

/** Writes a KDBX 4 file (see the module comment). */
export async function writeKdbx(dbs: readonly ExportedDatabase[], password: string, opts: { history?: boolean } = {}): Promise<Uint8Array> {
  const k = await kdbxweb();
  const db = k.Kdbx.create(new k.Credentials(k.ProtectedValue.fromString(password)), 'Safehold');
  db.setVersion(4);
  db.setKdf(k.Consts.KdfId.Argon2id);
  const p = db.header.kdfParameters;
  if (!p) throw new SafeholdError('internal', 'KDBX header without KDF parameters');
  p.set('M', k.VarDictionary.ValueType.UInt64, k.Int64.from(KDBX_ARGON2_MEMORY_BYTES));
  p.set('I', k.VarDictionary.ValueType.UInt64, k.Int64.from(KDBX_ARGON2_ITERATIONS));
  p.set('P', k.VarDictionary.ValueType.UInt32, 1);
  db.header.dataCipherUuid = new k.KdbxUuid(k.Consts.CipherId.Aes);
  const root = db.getDefaultGroup();
  for (const d of dbs) {
    const g = db.createGroup(root, d.db);
    for (const r of d.records) {
      const e = db.createEntry(g);
      if (opts.history) {
        for (const h of r.history) {
          setContent(k, e, h, r.origin);
          e.pushHistory();
        }
      }
      setContent(k, e, r, r.origin);
    }
  }
  return new Uint8Array(await db.save());
}

function text(v: KdbxWeb.KdbxEntryField | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : v.getText();
}

function contentOf(e: KdbxWeb.KdbxEntry, groupTag: string | null): { content: PortableContent; origin: string | null } {
  const fields: NamedValue[] = [];
  const secretFields: NamedValue[] = [];
  let origin: string | null = null;
  let exactTags: string[] | null = null;
  for (const [name, v] of e.fields) {
    if (STANDARD.includes(name)) continue;
    if (name === ID_FIELD && typeof v === 'string' && isRandomId(v)) {
      origin = v;
      continue;
    }
    if (name === TAGS_FIELD && typeof v === 'string') {
      try {
        const t: unknown = JSON.parse(v);
        if (Array.isArray(t) && t.every((x) => typeof x === 'string')) {
          exactTags = t;
          continue;
        }
      } catch {
        // an ordinary field of that name
      }
    }
    (typeof v === 'string' ? fields : secretFields).push({ name, value: text(v) });
  }
  // A file Safehold wrote: its groups are databases, not tags. Any other: the group path is a tag.
  const tags = exactTags ?? (origin !== null || groupTag === null ? [...e.tags] : [groupTag, ...e.tags.filter((t) => t !== groupTag)]);
  return {
    content: {
      name: text(e.fields.get('Title')),
      username: text(e.fields.get('UserName')),
      password: text(e.fields.get('Password')),
      url: text(e.fields.get('URL')),
      notes: text(e.fields.get('Notes')),
      tags,
      fields,
      secretFields,
    },
    origin,
  };
}

/** Reads a KDBX 3.1 or 4 file. */
export async function readKdbx(bytes: Uint8Array, password: string, what = 'KDBX'): Promise<ParsedFile> {
  const k = await kdbxweb();
  let db: KdbxWeb.Kdbx;
  try {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    db = await k.Kdbx.load(ab, new k.Credentials(k.ProtectedValue.fromString(password)));
  } catch (e) {
    if (e instanceof SafeholdError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === k.Consts.ErrorCodes.InvalidKey) throw new SafeholdError('bad_credentials', 'wrong file password for this KDBX file');
    throw badFile(what, `not a readable KDBX file (${typeof code === 'string' ? code : 'corrupt or truncated'})`);
  }
  const notes = emptyNotes();
  const records: PortableRecord[] = [];
  const bin = db.meta.recycleBinEnabled !== false ? db.meta.recycleBinUuid?.id : undefined;
  const count = (g: KdbxWeb.KdbxGroup): number => g.entries.length + g.groups.reduce((n, s) => n + count(s), 0);
  const walk = (g: KdbxWeb.KdbxGroup, path: string[]): void => {
    const tag = path.length === 0 ? null : path.join('/');
    g.entries.forEach((e, i) => {
      const position = `${what} entry ${i + 1} of group "${[db.getDefaultGroup().name ?? '', ...path].join('/')}"`;
      const { content, origin } = contentOf(e, tag);
      notes.unsupported.attachments += e.binaries.size;
      const history = e.history.map((h) => contentOf(h, tag).content);
      records.push({ ...content, origin, sourceId: origin !== null ? `safehold:${origin}` : `kdbx:${e.uuid.id}`, kind: 'login', history, position });
    });
    for (const s of g.groups) {
      if (bin !== undefined && s.uuid.id === bin) {
        notes.recycleBin += count(s);
        continue;
      }
      walk(s, [...path, s.name ?? '']);
    }
  };
  walk(db.getDefaultGroup(), []);
  return { records, notes };
}
