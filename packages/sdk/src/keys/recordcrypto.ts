/**
 * Encryption of a record's two parts (header and secret), each under its own random key, with
 * associated data binding record id, part and revision id (spec §4).
 */
import { decrypt, encrypt, fromB64, fromUtf8, randomKey, toB64, utf8 } from '@safehold/crypto';
import { partAad, type HeaderPlain, type RecordPart, type SecretPlain } from '@safehold/protocol';
import { asHeaderPlain, asSecretPlain, integrityError } from '../recordview.js';

/** A fresh random key for one record part. */
export function newRecordKey(): Uint8Array {
  return randomKey();
}

/** Encrypts one part (header or secret JSON) under its key, bound to record, part and revision. */
export function encryptPart(key: Uint8Array, recordId: string, part: RecordPart, revision: string, plain: HeaderPlain | SecretPlain): string {
  return toB64(encrypt(key, utf8(JSON.stringify(plain)), partAad(recordId, part, revision)));
}

function openPart(key: Uint8Array, recordId: string, part: RecordPart, revision: string, blob: string | Uint8Array): unknown {
  let bytes: Uint8Array | undefined;
  try {
    // The offline store keeps ciphertext as bytes: take them as they are rather than through base64 and back.
    bytes = decrypt(key, typeof blob === 'string' ? fromB64(blob) : blob, partAad(recordId, part, revision));
    return JSON.parse(fromUtf8(bytes)) as unknown;
  } catch {
    throw integrityError(recordId);
  } finally {
    bytes?.fill(0);
  }
}

/** Decrypts and checks a header part; any failure is an integrity error. */
export function decryptHeader(key: Uint8Array, recordId: string, revision: string, blob: string | Uint8Array): HeaderPlain {
  const h = asHeaderPlain(openPart(key, recordId, 'header', revision, blob));
  if (!h) throw integrityError(recordId);
  return h;
}

/** Decrypts and checks a secret part; any failure is an integrity error. */
export function decryptSecret(key: Uint8Array, recordId: string, revision: string, blob: string | Uint8Array): SecretPlain {
  const s = asSecretPlain(openPart(key, recordId, 'secret', revision, blob));
  if (!s) throw integrityError(recordId);
  return s;
}

