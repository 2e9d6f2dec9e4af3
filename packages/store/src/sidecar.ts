/**
 * The sidecar of an offline database: everything needed to open it with the master password alone,
 * with no server. The file key inside is AEAD-wrapped by the user key, which is itself wrapped by the
 * key-encryption key derived from the master password (exactly as in the account). This file only
 * stores it: the wrapping is the SDK key service's (sdk/src/keys/filekey.ts).
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { SafeholdError } from '@safehold/protocol';
import type { KdfParams } from '@safehold/protocol/api';
import { atomicWriteFile, readJsonIfExists } from './fsutil.js';
import type { OfflineIdent } from './layout.js';

export const SIDECAR_FORMAT = 'safehold-offline-sidecar/1';

export interface Sidecar extends OfflineIdent {
  format: typeof SIDECAR_FORMAT;
  /** Argon2id parameters of the master password (wire form). */
  kdf: KdfParams;
  /** The user key wrapped by the key-encryption key (as in the account). */
  userKeyEnc: string;
  /** The server's Ed25519 public key pinned at register: leases and wipe orders must verify against it. */
  signingPublicKey: string;
  /** The random 32-byte file key, wrapped by the user key. Destroyed first on a wipe. */
  fileKeyEnc: string;
  createdAt: string;
}

/**
 * A checksum of the other fields (issue 17): random damage to the wrapped user key or the KDF
 * parameters would otherwise read as a wrong master password (exit 3) instead of a damaged file (exit 6).
 * Not a MAC (the file is plain and anyone who can write it can recompute it); the wrapped keys stay bound
 * by their AEAD tags and AAD.
 */
function checksumOf(fields: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

/** Writes a sidecar atomically (mode 0600), with the checksum of its fields. */
export function writeSidecar(path: string, s: Sidecar): void {
  const { check: _old, ...fields } = s as Sidecar & { check?: string };
  atomicWriteFile(path, `${JSON.stringify({ ...fields, check: checksumOf(fields) }, null, 2)}\n`);
}

/** Reads a sidecar; null when absent; a damaged one (bad JSON, format or checksum) is offline_corrupt. */
export function readSidecar(path: string): Sidecar | null {
  const v = readJsonIfExists<Sidecar & { check?: unknown }>(
    path,
    (cause) => new SafeholdError('offline_corrupt', 'the offline database key file is damaged', undefined, { cause }),
    (v) => typeof v === 'object' && v !== null && (v as Sidecar).format === SIDECAR_FORMAT && typeof (v as Sidecar).fileKeyEnc === 'string',
  );
  if (!v) return null;
  // Files written before the checksum have none: they are read as before.
  const { check, ...fields } = v;
  if (check !== undefined && check !== checksumOf(fields)) throw new SafeholdError('offline_corrupt', 'the offline database key file is damaged');
  return fields as Sidecar;
}

/** Reads a small plain JSON file (status, tombstone, throttle); null when absent or unreadable. */
export function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Writes a small plain JSON file atomically. Never put a secret in one. */
export function writeJson(path: string, value: unknown): void {
  atomicWriteFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
