import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AEAD_AES128GCM, AEAD_AES256GCM, deriveX25519KeyPair, openBase, sealBase, setupBaseR, setupBaseS, zeroContext } from './hpke.js';
import { generateX25519KeyPair } from './x25519.js';
import { CryptoError } from './errors.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base.
// The same generic code runs in production with AES-256-GCM (aead id 0x0002).
const A11 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  skEm: '52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
  enc: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  sharedSecret: 'fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc',
  key: '4531685d41d65f03dc48f6b8302c05b0',
  baseNonce: '56d890e5accaaf011cff4b7d',
  exporterSecret: '45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8',
  // first encryption, sequence number 0
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  aad: '436f756e742d30',
  ct: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
};

describe('HPKE base mode (RFC 9180 A.1.1 vectors)', () => {
  test('DeriveKeyPair reproduces the ephemeral and recipient keys', () => {
    const e = deriveX25519KeyPair(h(A11.ikmE));
    assert.equal(hex(e.privateKey), A11.skEm);
    assert.equal(hex(e.publicKey), A11.pkEm);
    const r = deriveX25519KeyPair(h(A11.ikmR));
    assert.equal(hex(r.privateKey), A11.skRm);
    assert.equal(hex(r.publicKey), A11.pkRm);
  });

  test('SetupBaseS: enc, shared_secret, key, base_nonce, exporter_secret', () => {
    const eph = deriveX25519KeyPair(h(A11.ikmE));
    const { enc, ctx } = setupBaseS(AEAD_AES128GCM, h(A11.pkRm), h(A11.info), eph);
    assert.equal(hex(enc), A11.enc);
    assert.equal(hex(ctx.sharedSecret), A11.sharedSecret);
    assert.equal(hex(ctx.key), A11.key);
    assert.equal(hex(ctx.baseNonce), A11.baseNonce);
    assert.equal(hex(ctx.exporterSecret), A11.exporterSecret);
    zeroContext(ctx);
    assert.ok(ctx.key.every((b) => b === 0));
  });

  test('SetupBaseR derives the same context from enc and skR', () => {
    const ctx = setupBaseR(AEAD_AES128GCM, h(A11.enc), h(A11.skRm), h(A11.info));
    assert.equal(hex(ctx.sharedSecret), A11.sharedSecret);
    assert.equal(hex(ctx.key), A11.key);
    assert.equal(hex(ctx.baseNonce), A11.baseNonce);
  });

  test('Seal (sequence 0) gives the published ciphertext; Open recovers the plaintext', () => {
    const eph = deriveX25519KeyPair(h(A11.ikmE));
    const { enc, ciphertext } = sealBase(AEAD_AES128GCM, h(A11.pkRm), h(A11.info), h(A11.aad), h(A11.pt), eph);
    assert.equal(hex(enc), A11.enc);
    assert.equal(hex(ciphertext), A11.ct);
    assert.equal(hex(openBase(AEAD_AES128GCM, h(A11.enc), h(A11.skRm), h(A11.info), h(A11.aad), h(A11.ct))), A11.pt);
  });

  test('AES-256-GCM suite: random ephemeral, round trip, 32-byte key, wrong suite fails', () => {
    const r = generateX25519KeyPair();
    const info = new TextEncoder().encode('i');
    const pt = new TextEncoder().encode('record key');
    const { enc, ciphertext } = sealBase(AEAD_AES256GCM, r.publicKey, info, new Uint8Array(0), pt);
    assert.deepEqual(openBase(AEAD_AES256GCM, enc, r.privateKey, info, new Uint8Array(0), ciphertext), pt);
    assert.equal(setupBaseR(AEAD_AES256GCM, enc, r.privateKey, info).key.byteLength, 32);
    // The aead id is part of the key schedule, so the AES-128 suite derives a different key.
    assert.throws(() => openBase(AEAD_AES128GCM, enc, r.privateKey, info, new Uint8Array(0), ciphertext), (e: unknown) => e instanceof CryptoError && e.code === 'decrypt_failed');
  });
});
