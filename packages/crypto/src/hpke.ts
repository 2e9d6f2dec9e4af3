import type { KeyObject } from 'node:crypto';
import { CryptoError } from './errors.js';
import { GCM_NONCE_LEN, gcmOpen, gcmSeal } from './gcm.js';
import { hkdfExpand, hkdfExtract } from './hkdf.js';
import { generateX25519KeyPair, x25519, x25519PrivateKeyObject, x25519PublicFromPrivate } from './x25519.js';
import { rawPublic } from './keys.js';
import { concat, utf8, zero } from './util.js';

/*
 * HPKE (RFC 9180), base mode, single-shot, for KEM DHKEM(X25519, HKDF-SHA256) and KDF HKDF-SHA256.
 * Generic over the AEAD (AES-128-GCM, id 0x0001, or AES-256-GCM, id 0x0002) so that the exact code
 * production runs with AES-256-GCM is checked against the RFC's AES-128-GCM vectors (A.1).
 */

export interface HpkeAead {
  id: number;
  nk: number;
}
export const AEAD_AES128GCM: HpkeAead = { id: 0x0001, nk: 16 };
export const AEAD_AES256GCM: HpkeAead = { id: 0x0002, nk: 32 };

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const N_SECRET = 32;
const N_H = 32;
const MODE_BASE = 0x00;
const HPKE_V1 = utf8('HPKE-v1');
const EMPTY = new Uint8Array(0);

function i2osp2(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

const KEM_SUITE = concat(utf8('KEM'), i2osp2(KEM_ID));

function hpkeSuite(aead: HpkeAead): Uint8Array {
  return concat(utf8('HPKE'), i2osp2(KEM_ID), i2osp2(KDF_ID), i2osp2(aead.id));
}

function labeledExtract(suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  const labeled = concat(HPKE_V1, suite, utf8(label), ikm);
  try {
    return hkdfExtract(salt, labeled);
  } finally {
    zero(labeled);
  }
}

function labeledExpand(suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, len: number): Uint8Array {
  return hkdfExpand(prk, concat(i2osp2(len), HPKE_V1, suite, utf8(label), info), len);
}

function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  try {
    return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, N_SECRET);
  } finally {
    zero(prk);
  }
}

/** DeriveKeyPair(ikm) for DHKEM(X25519) (RFC 9180 §7.1.3). Used by tests to reproduce the RFC's ephemeral key. */
export function deriveX25519KeyPair(ikm: Uint8Array): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'dkp_prk', ikm);
  const privateKey = labeledExpand(KEM_SUITE, prk, 'sk', EMPTY, 32);
  zero(prk);
  return { privateKey, publicKey: x25519PublicFromPrivate(privateKey) };
}

export interface HpkeContext {
  sharedSecret: Uint8Array;
  key: Uint8Array;
  baseNonce: Uint8Array;
  exporterSecret: Uint8Array;
}

function keySchedule(aead: HpkeAead, sharedSecret: Uint8Array, info: Uint8Array): HpkeContext {
  const suite = hpkeSuite(aead);
  const pskIdHash = labeledExtract(suite, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = labeledExtract(suite, EMPTY, 'info_hash', info);
  const ksc = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
  const secret = labeledExtract(suite, sharedSecret, 'secret', EMPTY);
  try {
    return {
      sharedSecret,
      key: labeledExpand(suite, secret, 'key', ksc, aead.nk),
      baseNonce: labeledExpand(suite, secret, 'base_nonce', ksc, GCM_NONCE_LEN),
      exporterSecret: labeledExpand(suite, secret, 'exp', ksc, N_H),
    };
  } finally {
    zero(secret);
  }
}

export function zeroContext(ctx: HpkeContext): void {
  zero(ctx.sharedSecret, ctx.key, ctx.baseNonce, ctx.exporterSecret);
}

/**
 * SetupBaseS. `ephemeral` exists only so the tests can inject the RFC's deterministic key; production
 * callers leave it out and get a fresh random key pair.
 */
export function setupBaseS(
  aead: HpkeAead,
  pkR: Uint8Array,
  info: Uint8Array,
  ephemeral?: { privateKey: Uint8Array; publicKey: Uint8Array },
): { enc: Uint8Array; ctx: HpkeContext } {
  const eph = ephemeral ?? generateX25519KeyPair();
  let dh: Uint8Array | undefined;
  try {
    dh = x25519(eph.privateKey, pkR);
    const enc = eph.publicKey;
    const sharedSecret = extractAndExpand(dh, concat(enc, pkR));
    return { enc, ctx: keySchedule(aead, sharedSecret, info) };
  } finally {
    zero(dh);
    if (!ephemeral) zero(eph.privateKey);
  }
}

/**
 * A recipient's private key imported once (KeyObject plus its public key), so that a loop of
 * thousands of opens - a first sync - does not re-import the same key each time.
 */
export interface X25519Recipient {
  readonly keyObject: KeyObject;
  readonly publicKey: Uint8Array;
}

export function x25519Recipient(privateKey: Uint8Array): X25519Recipient {
  const keyObject = x25519PrivateKeyObject(privateKey);
  return { keyObject, publicKey: rawPublic(keyObject) };
}

/** SetupBaseR. A failing DH (small-order enc) is reported as decrypt_failed like any bad ciphertext. */
export function setupBaseR(aead: HpkeAead, enc: Uint8Array, skR: Uint8Array | X25519Recipient, info: Uint8Array): HpkeContext {
  const r = skR instanceof Uint8Array ? x25519Recipient(skR) : skR;
  let dh: Uint8Array | undefined;
  try {
    try {
      dh = x25519(r.keyObject, enc);
    } catch {
      throw new CryptoError('decrypt_failed');
    }
    const sharedSecret = extractAndExpand(dh, concat(enc, r.publicKey));
    return keySchedule(aead, sharedSecret, info);
  } finally {
    zero(dh);
  }
}

/** Single-shot Seal: sequence number 0, so the nonce is base_nonce itself. */
export function sealBase(
  aead: HpkeAead,
  pkR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  ephemeral?: { privateKey: Uint8Array; publicKey: Uint8Array },
): { enc: Uint8Array; ciphertext: Uint8Array } {
  const { enc, ctx } = setupBaseS(aead, pkR, info, ephemeral);
  try {
    return { enc, ciphertext: gcmSeal(ctx.key, ctx.baseNonce, plaintext, aad) };
  } finally {
    zeroContext(ctx);
  }
}

/** Single-shot Open. */
export function openBase(aead: HpkeAead, enc: Uint8Array, skR: Uint8Array | X25519Recipient, info: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const ctx = setupBaseR(aead, enc, skR, info);
  try {
    return gcmOpen(ctx.key, ctx.baseNonce, ciphertext, aad);
  } finally {
    zeroContext(ctx);
  }
}
