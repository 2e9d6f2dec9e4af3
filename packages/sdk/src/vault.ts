/**
 * The online vault: create, edit, delete, list, get and history of records, end-to-end encrypted
 * on this side. Every listing decrypts headers only; secrets are opened per record.
 */
import { SafeholdError, asRecordId, isRandomId, type DatabaseId, type HeaderPlain, type RecordId, type SecretPlain } from '@safehold/protocol';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { MAX_ADOPT_BATCH } from '@safehold/protocol';
import type { RecordWire } from '@safehold/protocol/api';
import type { ClientContext } from './context.js';
import { requireDb } from './context.js';
import { integrityError, revealView, secretValue, toView, type RecordView, type RevealedView } from './recordview.js';
import { offlineCreate, offlineEdit, offlineRemove } from './offline/edits.js';

/** Options of add/edit/rm: `offline` (`--offline`) queues the change with no server contact at all. */
export interface WriteOptions {
  offline?: boolean;
}

/** The server could not be reached: the change is queued offline instead (E5). */
function unreachable(e: unknown): e is SafeholdError {
  return e instanceof SafeholdError && e.code === 'unreachable';
}
import { sortByName } from './search.js';
import { decryptHeader, decryptSecret, encryptPart, newRecordKey, randomId, type RecordKeys, zero } from './keys/index.js';

/** What a user types for a new record. */
export interface RecordInput {
  name: string;
  username?: string;
  password?: string;
  url?: string;
  notes?: string;
  tags?: string[];
  fields?: Array<{ name: string; value: string }>;
  secretFields?: Array<{ name: string; value: string }>;
  masked?: boolean;
}

/** Changes to a record: absent keys stay; `fields`/`secretFields` set by name (an empty value removes the field). */
export interface RecordChanges {
  name?: string;
  username?: string;
  password?: string;
  url?: string;
  notes?: string;
  /** Replaces the tag list when given. */
  tags?: string[];
  fields?: Array<{ name: string; value: string }>;
  secretFields?: Array<{ name: string; value: string }>;
}

/** A record opened from the server: wire form, keys, decrypted parts and view. */
export interface OpenedRecord {
  wire: RecordWire;
  keys: RecordKeys;
  header: HeaderPlain;
  /** Null when the server withheld it (seal without release). */
  secret: SecretPlain | null;
  view: RecordView;
  /** True when this user may display the secret (not masked for them, and the secret is available). */
  canReveal: boolean;
}

/** The path parameters of the context's database. */
export function inDb(ctx: Pick<ClientContext, 'account' | 'accountFile'>): { db: DatabaseId } {
  return { db: requireDb(ctx) };
}

/** The path parameters of one record of the context's database. */
export function ofRecord(ctx: Pick<ClientContext, 'account' | 'accountFile'>, id: RecordId): { db: DatabaseId; id: RecordId } {
  return { db: requireDb(ctx), id };
}

/** Throws not_found for anything that is not a well-formed record id (existence is never leaked). */
export function checkRecordId(id: string): asserts id is RecordId {
  if (!isRandomId(id)) throw new SafeholdError('not_found', `record ${id.slice(0, 64)} not found`);
}

/** True when the record is masked for this user (masked and no authorize right). */
export function maskedForMe(view: Pick<RecordView, 'masked' | 'rights'>): boolean {
  return view.masked && !view.rights.includes('authorize');
}

/** Throws the spec §3.2 refusal (masked / sealed, exit 5) unless the secret may be displayed. */
export function assertRevealable(view: Pick<RecordView, 'id' | 'masked' | 'sealed' | 'rights'>, secret: SecretPlain | null): asserts secret is SecretPlain {
  if (maskedForMe(view)) {
    throw new SafeholdError('masked', `record ${view.id} is masked for you: its secret can be copied but not displayed`);
  }
  if (secret === null) {
    if (view.sealed) {
      throw new SafeholdError('sealed', `record ${view.id} is sealed: its secret needs an approved release (safehold release request ${view.id})`);
    }
    throw new SafeholdError('forbidden', `the secret of record ${view.id} is not available to you`);
  }
}

/** Like `assertRevealable`, returning the secret (for callers that cannot use assertion signatures). */
export function revealableSecret(view: Pick<RecordView, 'id' | 'masked' | 'sealed' | 'rights'>, secret: SecretPlain | null): SecretPlain {
  assertRevealable(view, secret);
  return secret;
}

function emptyHeader(): HeaderPlain {
  return { name: '', username: '', url: '', notes: '', tags: [], fields: [], secretFieldNames: [] };
}

function setNamed(list: Array<{ name: string; value: string }>, changes: Array<{ name: string; value: string }>): Array<{ name: string; value: string }> {
  const out = list.map((f) => ({ ...f }));
  for (const c of changes) {
    const i = out.findIndex((f) => f.name === c.name);
    if (c.value === '') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = { name: c.name, value: c.value };
    else out.push({ name: c.name, value: c.value });
  }
  return out;
}

function cleanTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}

/** Builds the two plaintext parts of a record. */
function partsOf(input: RecordInput): { header: HeaderPlain; secret: SecretPlain } {
  if (!input.name || input.name.trim() === '') throw new SafeholdError('bad_request', 'a record needs a name (--name)');
  const secretFields = setNamed([], input.secretFields ?? []);
  const header: HeaderPlain = {
    ...emptyHeader(),
    name: input.name,
    username: input.username ?? '',
    url: input.url ?? '',
    notes: input.notes ?? '',
    tags: cleanTags(input.tags ?? []),
    fields: setNamed([], input.fields ?? []),
    secretFieldNames: secretFields.map((f) => f.name),
  };
  return { header, secret: { password: input.password ?? '', fields: secretFields } };
}

/** Opens the keys and header of one wire record (loading role keys when needed). */
async function openWire(ctx: ClientContext, wire: RecordWire, withSecret: boolean): Promise<OpenedRecord> {
  if (wire.keyHolder?.kind === 'role') await ctx.keyring.rolePrivateKeys(wire.db);
  const keys = ctx.keyring.unwrapRecordKeys(wire);
  try {
    const header = decryptHeader(keys.headerKey, wire.id, wire.revision, wire.header);
    let secret: SecretPlain | null = null;
    if (withSecret && wire.secret !== null) {
      if (!keys.secretKey) throw integrityError(wire.id);
      secret = decryptSecret(keys.secretKey, wire.id, wire.revision, wire.secret);
    }
    const view = toView(wire, header);
    return { wire, keys, header, secret, view, canReveal: secret !== null && !maskedForMe(view) };
  } catch (e) {
    zero(keys.headerKey, keys.secretKey);
    throw e;
  }
}

/** Key adoption (spec §4): re-wrap a shared key under the own user key and upload it. Best effort. */
async function adoptKeys(ctx: ClientContext, opened: OpenedRecord): Promise<void> {
  const { wire, keys } = opened;
  if (!keys.shared || !keys.secretKey || wire.sealed) return;
  try {
    await ctx.api.call(E.adoptKeys, ofRecord(ctx, asRecordId(wire.id)), {
      header: ctx.keyring.wrapForSelf(wire.id, 'header', keys.headerKey),
      secret: ctx.keyring.wrapForSelf(wire.id, 'secret', keys.secretKey),
    });
  } catch {
    // Adoption only saves later asymmetric work; the record opened fine without it.
  }
}

/** Lists every record this user may read (headers only; secrets never leave the server in a list). */
export async function listRecords(ctx: ClientContext): Promise<RecordView[]> {
  const { records } = await ctx.api.call(E.listRecords, inDb(ctx));
  const out: RecordView[] = [];
  const adopt: Array<{ record: string; header: string; secret: string }> = [];
  const total = records.length;
  let done = 0;
  for (const wire of records) {
    if (total >= 1000 && ++done % 500 === 0) ctx.events.progress('decrypting', done, total);
    // No key copy for this user (nothing to open): not listable.
    if (!wire.keys || !wire.keyHolder) continue;
    const opened = await openWire(ctx, wire, false);
    out.push(opened.view);
    const { keys } = opened;
    if (keys.shared && keys.secretKey && !wire.sealed) {
      adopt.push({
        record: wire.id,
        header: ctx.keyring.wrapForSelf(wire.id, 'header', keys.headerKey),
        secret: ctx.keyring.wrapForSelf(wire.id, 'secret', keys.secretKey),
      });
    }
    zero(keys.headerKey, keys.secretKey);
  }
  if (total >= 1000) ctx.events.progress('decrypting', total, total);
  await adoptBatch(ctx, adopt);
  sortByName(out);
  return out;
}

/** Batch key adoption after a list (best effort, like single adoption). */
async function adoptBatch(ctx: ClientContext, keys: Array<{ record: string; header: string; secret: string }>): Promise<void> {
  for (let i = 0; i < keys.length; i += MAX_ADOPT_BATCH) {
    try {
      await ctx.api.call(E.adoptKeysBatch, inDb(ctx), { keys: keys.slice(i, i + MAX_ADOPT_BATCH) });
    } catch {
      return;
    }
  }
}

/**
 * Fetches and opens one record. The caller zeroes `keys` when done. The secret of a record masked for
 * this user is left out (null) unless `use` says it is wanted for use without display (copy, fill,
 * re-encryption on edit), so no display path can get at it by accident.
 */
export async function getRecord(ctx: ClientContext, id: string, opts: { use?: boolean } = {}): Promise<OpenedRecord> {
  checkRecordId(id);
  const wire = await ctx.api.call(E.getRecord, ofRecord(ctx, id));
  if (wire.id !== id) throw integrityError(id);
  const opened = await openWire(ctx, wire, true);
  await adoptKeys(ctx, opened);
  if (!opts.use && maskedForMe(opened.view)) opened.secret = null;
  return opened;
}

/** The record with its secrets for display; refuses (exit 5) a masked or sealed secret. */
export async function revealRecord(ctx: ClientContext, id: string): Promise<RevealedView> {
  const r = await getRecord(ctx, id);
  zero(r.keys.headerKey, r.keys.secretKey);
  assertRevealable(r.view, r.secret);
  return revealView(r.view, r.secret);
}

/**
 * One value for use without display (copy, fill): allowed on masked records; refused when sealed.
 * `field` is "password", a secret field, or a non-secret field / "username".
 */
export async function secretForUse(ctx: ClientContext, id: string, field = 'password'): Promise<string> {
  const r = await getRecord(ctx, id, { use: true });
  zero(r.keys.headerKey, r.keys.secretKey);
  return pickValue(r.view, r.header, r.secret, field);
}

/** Picks a value out of an opened record for copy/fill (shared with the offline source). */
export function pickValue(view: RecordView, header: Pick<HeaderPlain, 'username' | 'url' | 'fields'>, secret: SecretPlain | null, field: string): string {
  if (field === 'username') return header.username;
  if (field === 'url') return header.url;
  const plainField = header.fields.find((f) => f.name === field);
  if (plainField && field !== 'password') return plainField.value;
  if (secret === null) {
    if (view.sealed) throw new SafeholdError('sealed', `record ${view.id} is sealed: its secret needs an approved release (safehold release request ${view.id})`);
    throw new SafeholdError('forbidden', `the secret of record ${view.id} is not available to you`);
  }
  const v = secretValue(secret, field);
  if (v === null) throw new SafeholdError('bad_request', `record ${view.id} has no field named ${field}`);
  return v;
}

/** Creates a record (client-made id and revision, both parts under fresh keys wrapped for the creator). */
export async function createRecord(ctx: ClientContext, input: RecordInput, opts: WriteOptions = {}): Promise<RecordView> {
  const { header, secret } = partsOf(input);
  const id = randomId();
  const revision = randomId();
  const headerKey = newRecordKey();
  const secretKey = newRecordKey();
  // Offline, the same ids and keys: if an online attempt did reach the server, the push finds it in place.
  const offline = (cause?: SafeholdError) =>
    offlineCreate(ctx, { id, revision, header, secret, headerKey, secretKey, masked: input.masked ?? false }, { forced: cause === undefined, ...(cause ? { cause } : {}) });
  try {
    if (opts.offline) return await offline();
    let wire: RecordWire;
    try {
      wire = await ctx.api.call(E.createRecord, inDb(ctx), {
        id,
        revision,
        header: encryptPart(headerKey, id, 'header', revision, header),
        secret: encryptPart(secretKey, id, 'secret', revision, secret),
        keys: { header: ctx.keyring.wrapForSelf(id, 'header', headerKey), secret: ctx.keyring.wrapForSelf(id, 'secret', secretKey) },
        masked: input.masked ?? false,
      });
    } catch (e) {
      if (unreachable(e)) return await offline(e);
      throw e;
    }
    const view = toView(wire, header);
    await ctx.events.lifecycle('saved', ctx);
    return view;
  } finally {
    zero(headerKey, secretKey);
  }
}

/** Applies changes to the two plaintext parts. */
export function applyChanges(header: HeaderPlain, secret: SecretPlain, c: RecordChanges): { header: HeaderPlain; secret: SecretPlain } {
  const h: HeaderPlain = { ...header, tags: [...header.tags], fields: [...header.fields], secretFieldNames: [...header.secretFieldNames] };
  const s: SecretPlain = { password: secret.password, fields: [...secret.fields] };
  if (c.name !== undefined) {
    if (c.name.trim() === '') throw new SafeholdError('bad_request', 'a record needs a name');
    h.name = c.name;
  }
  if (c.username !== undefined) h.username = c.username;
  if (c.url !== undefined) h.url = c.url;
  if (c.notes !== undefined) h.notes = c.notes;
  if (c.tags !== undefined) h.tags = cleanTags(c.tags);
  if (c.password !== undefined) s.password = c.password;
  if (c.fields) h.fields = setNamed(h.fields, c.fields);
  if (c.secretFields) {
    s.fields = setNamed(s.fields, c.secretFields);
    h.secretFieldNames = s.fields.map((f) => f.name);
  }
  return { header: h, secret: s };
}

/**
 * Edits a record: both parts re-encrypted under a new revision id. With `baseRevision`, the edit is
 * refused (stale_revision, exit 8) unless that is still the current revision; never a silent overwrite.
 */
export async function editRecord(ctx: ClientContext, id: string, changes: RecordChanges, opts: { baseRevision?: string } & WriteOptions = {}): Promise<RecordView> {
  const offline = (cause?: SafeholdError) =>
    offlineEdit(ctx, id, (h, s) => applyChanges(h, s, changes), { forced: cause === undefined, ...(cause ? { cause } : {}) }, opts.baseRevision !== undefined ? { baseRevision: opts.baseRevision } : {});
  checkRecordId(id);
  if (opts.offline) return offline();
  let cur: OpenedRecord;
  try {
    cur = await getRecord(ctx, id, { use: true });
  } catch (e) {
    if (unreachable(e)) return offline(e);
    throw e;
  }
  try {
    if (!cur.view.rights.includes('write')) throw new SafeholdError('forbidden', `you may not edit record ${id} (no write right)`);
    if (cur.secret === null || cur.keys.secretKey === null) {
      if (cur.view.sealed) throw new SafeholdError('sealed', `record ${id} is sealed: editing it needs an approved release`);
      throw new SafeholdError('forbidden', `the secret of record ${id} is not available to you`);
    }
    const next = applyChanges(cur.header, cur.secret, changes);
    const revision = randomId();
    let wire: RecordWire;
    try {
      wire = await ctx.api.call(E.updateRecord, ofRecord(ctx, id), {
        baseRevision: opts.baseRevision ?? cur.wire.revision,
        revision,
        header: encryptPart(cur.keys.headerKey, id, 'header', revision, next.header),
        secret: encryptPart(cur.keys.secretKey, id, 'secret', revision, next.secret),
      });
    } catch (e) {
      // Gone between the read and the write: queued on the offline copy (merged at the push if needed).
      if (unreachable(e)) return await offline(e);
      throw e;
    }
    const view = toView(wire, next.header);
    await ctx.events.lifecycle('saved', ctx);
    return view;
  } finally {
    zero(cur.keys.headerKey, cur.keys.secretKey);
  }
}

/** Deletes a record (needs the delete right). */
export async function removeRecord(ctx: ClientContext, id: string, opts: WriteOptions = {}): Promise<{ pending: boolean }> {
  checkRecordId(id);
  if (opts.offline) {
    await offlineRemove(ctx, id, { forced: true });
    return { pending: true };
  }
  try {
    await ctx.api.call(E.deleteRecord, ofRecord(ctx, id));
  } catch (e) {
    if (!unreachable(e)) throw e;
    await offlineRemove(ctx, id, { forced: false, cause: e });
    return { pending: true };
  }
  await ctx.events.lifecycle('saved', ctx);
  return { pending: false };
}

/** Sets or clears the masked flag (needs authorize). */
export async function setMasked(ctx: ClientContext, id: string, masked: boolean): Promise<RecordView> {
  checkRecordId(id);
  const wire = await ctx.api.call(E.setMask, ofRecord(ctx, id), { masked });
  if (wire.id !== id) throw integrityError(id);
  const opened = await openWire(ctx, wire, false);
  zero(opened.keys.headerKey, opened.keys.secretKey);
  return opened.view;
}

