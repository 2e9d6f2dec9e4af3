import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKeyPair, sign, signingPublicFromPrivate, verify } from './sign.js';
import { CryptoError } from './errors.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

// RFC 8032 §7.1, TEST 1-3 (Ed25519).
const VECTORS = [
  {
    name: 'TEST 1 (empty message)',
    sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (1 byte)',
    sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (2 bytes)',
    sk: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pk: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac' +
      '18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('Ed25519 (RFC 8032 vectors)', () => {
  for (const v of VECTORS) {
    test(`${v.name}: public key, signature, verification`, () => {
      assert.equal(hex(signingPublicFromPrivate(h(v.sk))), v.pk);
      assert.equal(hex(sign(h(v.sk), h(v.msg))), v.sig);
      assert.equal(verify(h(v.pk), h(v.msg), h(v.sig)), true);
    });
  }
});

describe('Ed25519 behaviour', () => {
  const kp = generateSigningKeyPair();
  const msg = new TextEncoder().encode('wipe device 42');
  const sig = sign(kp.privateKey, msg);

  test('generated pair signs and verifies; raw sizes', () => {
    assert.equal(kp.publicKey.byteLength, 32);
    assert.equal(kp.privateKey.byteLength, 32);
    assert.equal(sig.byteLength, 64);
    assert.deepEqual(signingPublicFromPrivate(kp.privateKey), kp.publicKey);
    assert.equal(verify(kp.publicKey, msg, sig), true);
  });

  test('every flipped bit of message or signature is rejected', () => {
    for (let i = 0; i < msg.length; i++) {
      const m = msg.slice();
      m[i] = (m[i] ?? 0) ^ 1;
      assert.equal(verify(kp.publicKey, m, sig), false);
    }
    for (let i = 0; i < sig.length; i++) {
      const s = sig.slice();
      s[i] = (s[i] ?? 0) ^ 0x80;
      assert.equal(verify(kp.publicKey, msg, s), false, `byte ${i}`);
    }
  });

  test('verify returns false, never throws, on bad input', () => {
    const other = generateSigningKeyPair();
    assert.equal(verify(other.publicKey, msg, sig), false);
    assert.equal(verify(kp.publicKey.subarray(1), msg, sig), false);
    assert.equal(verify(kp.publicKey, msg, sig.subarray(1)), false);
    assert.equal(verify(kp.publicKey, msg, new Uint8Array(0)), false);
    assert.equal(verify(new Uint8Array(32), msg, sig), false);
    assert.equal(verify(new Uint8Array(32).fill(0xff), msg, sig), false); // not a valid point encoding
    assert.equal(verify(null as unknown as Uint8Array, msg, sig), false);
    assert.equal(verify(kp.publicKey, 'text' as unknown as Uint8Array, sig), false);
  });

  test('sign refuses a private key that is not a 32-byte seed', () => {
    assert.throws(() => sign(new Uint8Array(64), msg), (e: unknown) => e instanceof CryptoError && e.code === 'bad_input');
  });
});
