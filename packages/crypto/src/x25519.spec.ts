import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateX25519KeyPair, x25519, x25519PublicFromPrivate } from './x25519.js';
import { CryptoError } from './errors.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

describe('X25519 (RFC 7748 vectors)', () => {
  test('§5.2 scalar multiplication, vector 1', () => {
    const k = h('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4');
    const u = h('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
    assert.equal(hex(x25519(k, u)), 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  });

  test('§5.2 scalar multiplication, vector 2 (u with the top bit set, which must be masked)', () => {
    const k = h('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d');
    const u = h('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493');
    assert.equal(hex(x25519(k, u)), '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
  });

  test('§5.2 iterated: 1 and 1,000 iterations', () => {
    let k: Uint8Array = h('0900000000000000000000000000000000000000000000000000000000000000');
    let u: Uint8Array = k.slice();
    for (let i = 1; i <= 1000; i++) {
      const next = x25519(k, u);
      u = k;
      k = next;
      if (i === 1) assert.equal(hex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    assert.equal(hex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  test('§6.1 Alice and Bob: public keys and shared secret', () => {
    const aPriv = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bPriv = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const aPub = x25519PublicFromPrivate(aPriv);
    const bPub = x25519PublicFromPrivate(bPriv);
    assert.equal(hex(aPub), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    assert.equal(hex(bPub), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    assert.equal(hex(x25519(aPriv, bPub)), shared);
    assert.equal(hex(x25519(bPriv, aPub)), shared);
  });

  test('generated key pairs are consistent and agree', () => {
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    assert.equal(a.privateKey.byteLength, 32);
    assert.equal(a.publicKey.byteLength, 32);
    assert.deepEqual(x25519PublicFromPrivate(a.privateKey), a.publicKey);
    assert.deepEqual(x25519(a.privateKey, b.publicKey), x25519(b.privateKey, a.publicKey));
    assert.notDeepEqual(a.privateKey, b.privateKey);
  });

  test('refuses a small-order public key (all-zero shared secret) and wrong lengths', () => {
    const sk = generateX25519KeyPair().privateKey;
    const isBad = (e: unknown): boolean => e instanceof CryptoError && e.code === 'bad_input';
    assert.throws(() => x25519(sk, new Uint8Array(32)), isBad); // u = 0
    assert.throws(() => x25519(sk, Uint8Array.of(1, ...new Uint8Array(31))), isBad); // u = 1
    assert.throws(() => x25519(sk, new Uint8Array(31)), isBad);
    assert.throws(() => x25519PublicFromPrivate(new Uint8Array(33)), isBad);
  });
});
