/**
 * The views of a record built from its decrypted parts (spec §3.2), the shape checks of those parts and
 * the integrity error of spec §4. The encryption of the parts is the key service's (keys/recordcrypto.ts).
 */
import { SafeholdError, type HeaderPlain, type SecretPlain } from '@safehold/protocol';
import type { RecordWire, Right } from '@safehold/protocol/api';

/** One custom field as listed: its name, whether it is secret, and its value when shown. */
export interface RecordField {
  name: string;
  secret: boolean;
  /** Non-secret fields always carry their value; secret fields only in a revealed view. */
  value?: string;
}

/** A record as spec §3.2 prints it (no secrets). */
export interface RecordView {
  id: string;
  name: string;
  username: string;
  url: string;
  notes: string;
  tags: readonly string[];
  fields: readonly RecordField[];
  masked: boolean;
  sealed: boolean;
  rights: readonly Right[];
  revision: string;
  updatedAt: string;
  /** E5: true on a record with an offline change not yet pushed (absent otherwise). */
  pending?: boolean;
}

/** A record view with its secrets (`show --reveal`). */
export interface RevealedView extends RecordView {
  password: string;
}

/** The integrity error of spec §4 for a record whose ciphertext or key did not authenticate. */
export function integrityError(recordId: string): SafeholdError {
  return new SafeholdError(
    'integrity',
    `record ${recordId} failed integrity check: the server sent data that was tampered with or corrupted`,
  );
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isNamedValues = (v: unknown): v is Array<{ name: string; value: string }> =>
  Array.isArray(v) && v.every((f) => f !== null && typeof f === 'object' && isStr((f as { name?: unknown }).name) && isStr((f as { value?: unknown }).value));

/** The value as a HeaderPlain (only its known keys), or null when it does not have that shape. */
export function asHeaderPlain(v: unknown): HeaderPlain | null {
  const h = v as Partial<HeaderPlain> | null;
  if (
    !h || typeof h !== 'object' || !isStr(h.name) || !isStr(h.username) || !isStr(h.url) || !isStr(h.notes) ||
    !Array.isArray(h.tags) || !h.tags.every(isStr) || !isNamedValues(h.fields) ||
    !Array.isArray(h.secretFieldNames) || !h.secretFieldNames.every(isStr)
  ) {
    return null;
  }
  return { name: h.name, username: h.username, url: h.url, notes: h.notes, tags: h.tags, fields: h.fields, secretFieldNames: h.secretFieldNames };
}

/** The value as a SecretPlain (only its known keys), or null when it does not have that shape. */
export function asSecretPlain(v: unknown): SecretPlain | null {
  const s = v as Partial<SecretPlain> | null;
  if (!s || typeof s !== 'object' || !isStr(s.password) || !isNamedValues(s.fields)) return null;
  return { password: s.password, fields: s.fields };
}

/** Builds the listable view of a record from its wire form and decrypted header. */
export function toView(wire: Pick<RecordWire, 'id' | 'masked' | 'sealed' | 'rights' | 'revision' | 'updatedAt'>, header: HeaderPlain): RecordView {
  return {
    id: wire.id,
    name: header.name,
    username: header.username,
    url: header.url,
    notes: header.notes,
    tags: [...header.tags],
    fields: [
      ...header.fields.map((f) => ({ name: f.name, secret: false, value: f.value })),
      ...header.secretFieldNames.map((name) => ({ name, secret: true })),
    ],
    masked: wire.masked,
    sealed: wire.sealed,
    rights: [...wire.rights],
    revision: wire.revision,
    updatedAt: wire.updatedAt,
  };
}

/** Adds the secrets to a view (only for callers allowed to reveal). */
export function revealView(view: RecordView, secret: SecretPlain): RevealedView {
  const values = new Map(secret.fields.map((f) => [f.name, f.value]));
  return {
    ...view,
    fields: view.fields.map((f) => (f.secret ? { ...f, value: values.get(f.name) ?? '' } : f)),
    password: secret.password,
  };
}

/** The secret value named `field` ("password" or a secret field's name); null when absent. */
export function secretValue(secret: SecretPlain, field: string): string | null {
  if (field === 'password') return secret.password;
  return secret.fields.find((f) => f.name === field)?.value ?? null;
}
