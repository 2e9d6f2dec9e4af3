/**
 * Bitwarden's password-protected JSON export, as Bitwarden's clients and KeePassXC's BitwardenReader
 * implement it: a key from the file password (PBKDF2-SHA256 over the salt string, or Argon2id over
 * SHA-256 of it, memory in MiB), stretched with HKDF-Expand (SHA-256, info "enc" and "mac") to an
 * AES-256-CBC key and an HMAC-SHA256 key; values are EncStrings `2.<iv>|<ct>|<mac>` (standard base64,
 * MAC over iv || ct). `encKeyValidation_DO_NOT_EDIT` decrypts only with the right password; `data` is
 * the unencrypted export's JSON. No Bitwarden runs here: the tests use vectors built by following
 * this published algorithm (encryptBitwardenExport), not files made by Bitwarden.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2Raw } from '@safehold/crypto';
import { SafeholdError } from '@safehold/protocol';
import { badFile } from '../transfer/portable.js';

type Obj = Record<string, unknown>;

export interface BitwardenKdf {
  /** 0 = PBKDF2-SHA256, 1 = Argon2id. */
  kdfType: 0 | 1;
  kdfIterations: number;
  /** Argon2id memory in MiB. */
  kdfMemory?: number;
  kdfParallelism?: number;
}

/** True for a password-protected export (the account-key one cannot be opened without the account). */
export function isPasswordProtected(doc: Obj): boolean {
  return doc['passwordProtected'] === true && typeof doc['salt'] === 'string' && typeof doc['data'] === 'string';
}

function hkdfExpand32(prk: Buffer, info: string): Buffer {
  // One block of HKDF-Expand: T(1) = HMAC(PRK, info || 0x01).
  return createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info, 'utf8'), Buffer.from([1])])).digest();
}

async function deriveKeys(password: string, salt: string, kdf: BitwardenKdf, what: string): Promise<{ enc: Buffer; mac: Buffer }> {
  let key: Buffer;
  if (kdf.kdfType === 0) {
    if (!Number.isSafeInteger(kdf.kdfIterations) || kdf.kdfIterations < 1 || kdf.kdfIterations > 10_000_000) throw badFile(what, 'kdfIterations out of range');
    key = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), kdf.kdfIterations, 32, 'sha256');
  } else if (kdf.kdfType === 1) {
    const m = kdf.kdfMemory ?? 0;
    const p = kdf.kdfParallelism ?? 0;
    if (!Number.isSafeInteger(m) || m < 1 || m > 4096) throw badFile(what, 'kdfMemory out of range (1 to 4096 MiB)');
    if (!Number.isSafeInteger(p) || p < 1 || p > 16) throw badFile(what, 'kdfParallelism out of range (1 to 16)');
    if (!Number.isSafeInteger(kdf.kdfIterations) || kdf.kdfIterations < 1 || kdf.kdfIterations > 100) throw badFile(what, 'kdfIterations out of range');
    const saltHash = createHash('sha256').update(salt, 'utf8').digest();
    key = Buffer.from(await argon2Raw(Buffer.from(password, 'utf8'), saltHash, { type: 2, version: 0x13, memoryKiB: m * 1024, iterations: kdf.kdfIterations, parallelism: p, length: 32 }));
  } else throw badFile(what, `unknown kdfType ${String(kdf.kdfType)}`);
  const out = { enc: hkdfExpand32(key, 'enc'), mac: hkdfExpand32(key, 'mac') };
  key.fill(0);
  return out;
}

/** Encrypts to an EncString of type 2. */
export function encString(plain: Buffer, keys: { enc: Buffer; mac: Buffer }): string {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', keys.enc, iv);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  const mac = createHmac('sha256', keys.mac).update(Buffer.concat([iv, ct])).digest();
  return `2.${iv.toString('base64')}|${ct.toString('base64')}|${mac.toString('base64')}`;
}

/** Opens an EncString of type 2; null when its MAC does not match (wrong password or tampered). */
function openEncString(s: string, keys: { enc: Buffer; mac: Buffer }, where: string): Buffer | null {
  const m = /^2\.([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(s);
  if (!m) throw badFile(where, 'not an encrypted value of type 2 (2.iv|data|mac)');
  const iv = Buffer.from(m[1] ?? '', 'base64');
  const ct = Buffer.from(m[2] ?? '', 'base64');
  const mac = Buffer.from(m[3] ?? '', 'base64');
  if (iv.length !== 16 || mac.length !== 32 || ct.length === 0 || ct.length % 16 !== 0) throw badFile(where, 'malformed encrypted value');
  const want = createHmac('sha256', keys.mac).update(Buffer.concat([iv, ct])).digest();
  if (!timingSafeEqual(want, mac)) return null;
  try {
    const d = createDecipheriv('aes-256-cbc', keys.enc, iv);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    throw badFile(where, 'the encrypted value does not decrypt (corrupt file)');
  }
}

/** The unencrypted export's JSON text inside a password-protected export; a wrong password is bad_credentials (exit 3). */
export async function decryptBitwardenExport(doc: Obj, password: string, what: string): Promise<string> {
  const kdf: BitwardenKdf = {
    kdfType: doc['kdfType'] === 1 ? 1 : doc['kdfType'] === 0 || doc['kdfType'] === undefined ? 0 : (doc['kdfType'] as 0),
    kdfIterations: Number(doc['kdfIterations']),
    ...(typeof doc['kdfMemory'] === 'number' ? { kdfMemory: doc['kdfMemory'] } : {}),
    ...(typeof doc['kdfParallelism'] === 'number' ? { kdfParallelism: doc['kdfParallelism'] } : {}),
  };
  const keys = await deriveKeys(password, String(doc['salt']), kdf, what);
  try {
    const check = doc['encKeyValidation_DO_NOT_EDIT'];
    if (typeof check === 'string' && openEncString(check, keys, `${what} encKeyValidation_DO_NOT_EDIT`) === null) {
      throw new SafeholdError('bad_credentials', 'wrong file password for this Bitwarden export');
    }
    const data = openEncString(String(doc['data']), keys, `${what} data`);
    if (data === null) {
      // The password opened the validation value (when there is one), so the data itself is damaged.
      if (typeof check === 'string') throw badFile(`${what} data`, 'the encrypted data fails its integrity check (corrupt file)');
      throw new SafeholdError('bad_credentials', 'wrong file password for this Bitwarden export');
    }
    const text = data.toString('utf8');
    data.fill(0);
    return text;
  } finally {
    keys.enc.fill(0);
    keys.mac.fill(0);
  }
}

/** Builds a password-protected export of `plainJson` by the same algorithm (tests, and any caller wanting one). */
export async function encryptBitwardenExport(plainJson: string, password: string, kdf: BitwardenKdf): Promise<string> {
  const salt = randomBytes(16).toString('base64');
  const keys = await deriveKeys(password, salt, kdf, 'export');
  try {
    return JSON.stringify({
      encrypted: true,
      passwordProtected: true,
      salt,
      kdfType: kdf.kdfType,
      kdfIterations: kdf.kdfIterations,
      kdfMemory: kdf.kdfMemory ?? null,
      kdfParallelism: kdf.kdfParallelism ?? null,
      encKeyValidation_DO_NOT_EDIT: encString(Buffer.from(randomBytes(16).toString('hex'), 'utf8'), keys),
      data: encString(Buffer.from(plainJson, 'utf8'), keys),
    });
  } finally {
    keys.enc.fill(0);
    keys.mac.fill(0);
  }
}
