/**
 * The server's Ed25519 signing key (leases and wipe orders; clients pin its public key at register).
 * Created once at first start and kept in server_meta, so every server process on one storage signs
 * with the same key. Creation is insert-if-absent: the first writer wins, the others read its seed.
 */
import { randomBytes, sign as edSign } from 'node:crypto';
import type { Conn } from '../repositories/db.js';
import { insertMetaIfAbsent, metaValue } from '../repositories/meta.js';
import { keyPairOfSeed, readConfiguredSeed, type KeySource } from './keysource.js';

export interface ServerSigner {
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** Signs the UTF-8 bytes of `payload`; returns the signature as unpadded base64url. */
  sign(payload: string): string;
}

/** Reads a server_meta value, creating it with `make()` when absent (race safe across processes). */
export async function getOrCreateMeta(db: Conn, key: string, make: () => string): Promise<string> {
  const existing = await metaValue(db, key);
  if (existing !== undefined) return existing;
  await insertMetaIfAbsent(db, key, make());
  const row = await metaValue(db, key);
  if (row === undefined) throw new Error(`server_meta ${key} missing after insert`);
  return row;
}

/** Loads the signing key: from the configured file or variable (12.10), else from storage, creating it at first start. */
export async function loadServerSigner(db: Conn, src: KeySource = {}): Promise<ServerSigner> {
  const configured = readConfiguredSeed(src);
  const seed = configured ?? Buffer.from(await getOrCreateMeta(db, 'signing_seed', () => randomBytes(32).toString('base64url')), 'base64url');
  const { privateKey, publicKey } = keyPairOfSeed(seed);
  seed.fill(0);
  const publicB64 = Buffer.from(publicKey).toString('base64url');
  // Informational copy for operators; derived from the seed, so every process writes the same value.
  await getOrCreateMeta(db, 'signing_public', () => publicB64);
  return {
    publicKey,
    sign(payload: string): string {
      return edSign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64url');
    },
  };
}
