/**
 * The server's Ed25519 signing key (leases and wipe orders; clients pin its public key at register).
 * Created once at first start and kept in server_meta, so every server process on one storage signs
 * with the same key. Creation is insert-if-absent: the first writer wins, the others read its seed.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign as edSign, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../storage/schema.js';

export interface ServerSigner {
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** Signs the UTF-8 bytes of `payload`; returns the signature as unpadded base64url. */
  sign(payload: string): string;
}

// PKCS#8 prefix of an Ed25519 private key (RFC 8410); followed by the 32-byte seed.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Reads a server_meta value, creating it with `make()` when absent (race safe across processes). */
export async function getOrCreateMeta(db: Kysely<Tables>, key: string, make: () => string): Promise<string> {
  const existing = await db.selectFrom('server_meta').select('value').where('key', '=', key).executeTakeFirst();
  if (existing) return existing.value;
  await db
    .insertInto('server_meta')
    .values({ key, value: make() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('server_meta').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

/** Loads the signing key from storage, creating it at first start. */
export async function loadServerSigner(db: Kysely<Tables>): Promise<ServerSigner> {
  const seedB64 = await getOrCreateMeta(db, 'signing_seed', () => randomBytes(32).toString('base64url'));
  const seed = Buffer.from(seedB64, 'base64url');
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  const privateKey: KeyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  seed.fill(0);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
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
