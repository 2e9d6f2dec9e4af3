/**
 * Where the server's signing seed comes from (issue 12.10), and its rotation.
 *
 * - Default: `server_meta.signing_seed` in storage (created at first start, shared by every process).
 * - `--signing-key-file FILE` / `SAFEHOLD_SIGNING_KEY_FILE`: a 0600 file holding the base64url seed; a file
 *   readable by group or others is refused. `SAFEHOLD_SIGNING_KEY`: the seed itself, in the environment.
 *   Either keeps the seed out of the database file and its backups.
 *
 * Rotation (`safehold-server key rotate`) makes a new seed and appends a statement to
 * `server_meta.signing_rotations`: `{"kind":"safehold-server-key-rotation","previous","next","at"}` signed by the
 * previous key. Clients accept a new key only through an unbroken chain of such statements from the key they
 * pinned (sdk/src/serverkey.ts); `GET /v1/server-key` serves the chain.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, createPublicKey, randomBytes, sign as edSign } from 'node:crypto';
import { SafeholdError } from '@safehold/protocol';
import type { Conn } from '../repositories/db.js';
import { inTransaction } from '../repositories/db.js';
import { insertMeta, metaValue, updateMeta } from '../repositories/meta.js';

/** Where a configured seed lives; none = storage. */
export interface KeySource {
  file?: string;
  /** The base64url seed (SAFEHOLD_SIGNING_KEY). */
  env?: string;
}

/** One signed rotation statement (as served to clients). */
export interface RotationStatement {
  payload: string;
  signature: string;
}

export const ROTATION_KIND = 'safehold-server-key-rotation';
const ROTATIONS_KEY = 'signing_rotations';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The key source of the environment (file wins over the variable), or of explicit flags. */
export function keySourceFrom(flagFile: string | undefined, env: NodeJS.ProcessEnv = process.env): KeySource {
  const file = flagFile ?? (env['SAFEHOLD_SIGNING_KEY_FILE'] || undefined);
  if (file) return { file: path.resolve(file) };
  const seed = env['SAFEHOLD_SIGNING_KEY'];
  return seed ? { env: seed } : {};
}

function parseSeed(text: string, where: string): Buffer {
  const t = text.trim();
  const seed = /^[A-Za-z0-9_-]{43}$/.test(t) ? Buffer.from(t, 'base64url') : Buffer.alloc(0);
  if (seed.length !== 32) throw new SafeholdError('bad_request', `${where} must hold a 32-byte Ed25519 seed in base64url (43 characters)`);
  return seed;
}

/** Reads the seed of a configured source; null for the storage default. Refuses a key file others can read. */
export function readConfiguredSeed(src: KeySource): Buffer | null {
  if (src.file) {
    let st: fs.Stats;
    try {
      st = fs.statSync(src.file);
    } catch (e) {
      throw new SafeholdError('bad_request', `cannot read the signing key file ${src.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new SafeholdError(
        'bad_request',
        `the signing key file ${src.file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 on it`,
      );
    }
    return parseSeed(fs.readFileSync(src.file, 'utf8'), `the signing key file ${src.file}`);
  }
  if (src.env !== undefined) return parseSeed(src.env, 'SAFEHOLD_SIGNING_KEY');
  return null;
}

/** Writes a new seed to a key file atomically, mode 0600. */
export function writeSeedFile(file: string, seed: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.writeSync(fd, `${Buffer.from(seed).toString('base64url')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The Ed25519 private key and raw public key of a 32-byte seed. */
export function keyPairOfSeed(seed: Uint8Array): { privateKey: ReturnType<typeof createPrivateKey>; publicKey: Uint8Array } {
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(spki.length - 32)) };
}

/** The rotation chain, oldest first. */
export async function loadRotations(db: Conn): Promise<RotationStatement[]> {
  const row = await metaValue(db, ROTATIONS_KEY);
  return row !== undefined ? (JSON.parse(row) as RotationStatement[]) : [];
}

/**
 * Rotates the signing key: a new random seed, a statement signed by the current key, the new seed stored where
 * the current one came from (storage, or the key file). Refused for a seed from SAFEHOLD_SIGNING_KEY (put it in
 * a file to rotate it). Returns both public keys (base64url).
 */
export async function rotateSigningKey(db: Conn, src: KeySource, now: number): Promise<{ previous: string; next: string }> {
  if (src.env !== undefined && !src.file) {
    throw new SafeholdError('bad_request', 'the signing key comes from SAFEHOLD_SIGNING_KEY: move it to a 0600 file (--signing-key-file) to rotate it');
  }
  const configured = readConfiguredSeed(src);
  const newSeed = randomBytes(32);
  try {
    const result = await inTransaction(db, async (trx) => {
      let oldSeed = configured;
      if (!oldSeed) {
        const row = await metaValue(trx, 'signing_seed');
        if (row === undefined) throw new SafeholdError('bad_request', 'this server has no signing key yet: start it once first');
        oldSeed = Buffer.from(row, 'base64url');
      }
      const old = keyPairOfSeed(oldSeed);
      const next = keyPairOfSeed(newSeed);
      oldSeed.fill(0);
      const previous = Buffer.from(old.publicKey).toString('base64url');
      const nextB64 = Buffer.from(next.publicKey).toString('base64url');
      const payload = JSON.stringify({ kind: ROTATION_KIND, previous, next: nextB64, at: new Date(now).toISOString() });
      const statement: RotationStatement = { payload, signature: edSign(null, Buffer.from(payload, 'utf8'), old.privateKey).toString('base64url') };
      const row = await metaValue(trx, ROTATIONS_KEY);
      const chain = row !== undefined ? (JSON.parse(row) as RotationStatement[]) : [];
      chain.push(statement);
      const value = JSON.stringify(chain);
      if (row !== undefined) await updateMeta(trx, ROTATIONS_KEY, value);
      else await insertMeta(trx, ROTATIONS_KEY, value);
      if (!src.file) await updateMeta(trx, 'signing_seed', newSeed.toString('base64url'));
      await updateMeta(trx, 'signing_public', nextB64);
      return { previous, next: nextB64 };
    });
    // The file is replaced only once the statement is committed: a failure before leaves the old key in force.
    if (src.file) writeSeedFile(src.file, newSeed);
    return result;
  } finally {
    newSeed.fill(0);
    configured?.fill(0);
  }
}
