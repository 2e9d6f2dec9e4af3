/**
 * The plaintext inside a record's two ciphertext parts, and the associated data that binds each
 * ciphertext to its place. Shared by the SDK (online) and the offline store.
 */
import type { RecordId, RevisionId } from './ids.js';

/** Decrypted header part: everything searchable. Never holds a secret. */
export interface HeaderPlain {
  name: string;
  username: string;
  url: string;
  notes: string;
  tags: string[];
  /** Non-secret custom fields. */
  fields: Array<{ name: string; value: string }>;
  /** Names of the secret fields (values live in the secret part), so lists can show them without the secret. */
  secretFieldNames: string[];
}

/** Decrypted secret part. */
export interface SecretPlain {
  password: string;
  fields: Array<{ name: string; value: string }>;
}

export type RecordPart = 'header' | 'secret';

const enc = new TextEncoder();

/** Associated data of a record part: binds record id, part and revision id (spec §4). */
export function partAad(record: RecordId | string, part: RecordPart, revision: RevisionId | string): Uint8Array {
  return enc.encode(`safehold/v1/record/${record}/part/${part}/revision/${revision}`);
}

/** Associated data of a record key wrapped for a holder ("user:alice" or "role:ops"). */
export function keyWrapAad(record: RecordId | string, part: RecordPart, holder: string): Uint8Array {
  return enc.encode(`safehold/v1/record/${record}/key/${part}/holder/${holder}`);
}

/** Associated data of a role's private key wrapped for a member. */
export function roleKeyAad(db: string, role: string, member: string): Uint8Array {
  return enc.encode(`safehold/v1/db/${db}/role/${role}/member/${member}`);
}

/** Associated data of the user key wrapped by the key-encryption key, and of the private key under the user key. */
export function userKeyAad(user: string): Uint8Array {
  return enc.encode(`safehold/v1/user/${user}/user-key`);
}
export function privateKeyAad(user: string): Uint8Array {
  return enc.encode(`safehold/v1/user/${user}/private-key`);
}
