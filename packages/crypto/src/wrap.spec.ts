import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateX25519KeyPair, prepareRecipient, unwrapForRecipient, wrapForRecipient, x25519PublicFromPrivate } from './wrap.js';
import { ENVELOPE_HPKE_V1 } from './aead.js';
import { AEAD_AES128GCM, AEAD_AES256GCM, openBase } from './hpke.js';
import { CryptoError, type CryptoErrorCode } from './errors.js';
import { randomKey, utf8 } from './util.js';

const code = (c: CryptoErrorCode) => (e: unknown): boolean => e instanceof CryptoError && e.code === c;

describe('wrapForRecipient / unwrapForRecipient (HPKE X25519 + AES-256-GCM)', () => {
  const r = generateX25519KeyPair();
  const recordKey = randomKey();
  const aad = utf8('wrap|record:r1|part:header|user:u2');

  test('round trip; layout [0x02][enc 32][ct 32][tag 16]', () => {
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    assert.equal(w[0], ENVELOPE_HPKE_V1);
    assert.equal(w.byteLength, 1 + 32 + 32 + 16);
    assert.deepEqual(unwrapForRecipient(r.privateKey, w, aad), recordKey);
    assert.deepEqual(x25519PublicFromPrivate(r.privateKey), r.publicKey);
  });

  test('suite pinned: opens as HPKE AES-256-GCM with info "safehold/v1/wrap", not as AES-128-GCM or another info', () => {
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    const info = utf8('safehold/v1/wrap');
    assert.deepEqual(openBase(AEAD_AES256GCM, w.subarray(1, 33), r.privateKey, info, aad, w.subarray(33)), recordKey);
    assert.throws(() => openBase(AEAD_AES128GCM, w.subarray(1, 33), r.privateKey, info, aad, w.subarray(33)), code('decrypt_failed'));
    assert.throws(() => openBase(AEAD_AES256GCM, w.subarray(1, 33), r.privateKey, utf8('safehold/v2/wrap'), aad, w.subarray(33)), code('decrypt_failed'));
  });

  test('a prepared recipient handle opens the same wraps and fails the same way', () => {
    const prepared = prepareRecipient(r.privateKey);
    assert.deepEqual(prepared.publicKey, r.publicKey);
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    assert.deepEqual(unwrapForRecipient(prepared, w, aad), recordKey);
    assert.throws(() => unwrapForRecipient(prepared, w, utf8('other')), code('decrypt_failed'));
    assert.throws(() => unwrapForRecipient(prepareRecipient(generateX25519KeyPair().privateKey), w, aad), code('decrypt_failed'));
    assert.throws(() => unwrapForRecipient({} as unknown as Uint8Array, w, aad), code('bad_input'));
  });

  test('each wrap uses a fresh ephemeral key', () => {
    const a = wrapForRecipient(r.publicKey, recordKey, aad);
    const b = wrapForRecipient(r.publicKey, recordKey, aad);
    assert.notDeepEqual(a.subarray(1, 33), b.subarray(1, 33));
  });

  test('flipping any bit of version, enc, ciphertext or tag is detected', () => {
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    for (let i = 0; i < w.byteLength; i++) {
      for (const bit of [0, 3, 7]) {
        const bad = w.slice();
        bad[i] = (bad[i] ?? 0) ^ (1 << bit);
        assert.throws(() => unwrapForRecipient(r.privateKey, bad, aad), code(i === 0 ? 'unsupported_version' : 'decrypt_failed'), `byte ${i} bit ${bit}`);
      }
    }
  });

  test('wrong private key and wrong AAD fail', () => {
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    assert.throws(() => unwrapForRecipient(generateX25519KeyPair().privateKey, w, aad), code('decrypt_failed'));
    assert.throws(() => unwrapForRecipient(r.privateKey, w, utf8('wrap|record:r1|part:secret|user:u2')), code('decrypt_failed'));
  });

  test('every truncation (0 .. 1+32+16 and beyond) is decrypt_failed', () => {
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    for (let n = 0; n < w.byteLength; n++) {
      assert.throws(() => unwrapForRecipient(r.privateKey, w.subarray(0, n), aad), code('decrypt_failed'), `length ${n}`);
    }
    const empty = wrapForRecipient(r.publicKey, new Uint8Array(0), aad);
    assert.equal(empty.byteLength, 1 + 32 + 16);
    assert.equal(unwrapForRecipient(r.privateKey, empty, aad).byteLength, 0);
  });

  test('unknown versions, including a v1 AEAD envelope, are unsupported_version', () => {
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    for (const v of [0x00, 0x01, 0x03, 0xff]) {
      const bad = w.slice();
      bad[0] = v;
      assert.throws(() => unwrapForRecipient(r.privateKey, bad, aad), code('unsupported_version'));
    }
  });

  test('a small-order enc is decrypt_failed; a small-order recipient key is refused at wrap time', () => {
    const w = wrapForRecipient(r.publicKey, recordKey, aad);
    const bad = w.slice();
    bad.fill(0, 1, 33);
    assert.throws(() => unwrapForRecipient(r.privateKey, bad, aad), code('decrypt_failed'));
    assert.throws(() => wrapForRecipient(new Uint8Array(32), recordKey, aad), code('bad_input'));
    assert.throws(() => wrapForRecipient(r.publicKey.subarray(1), recordKey, aad), code('bad_input'));
    assert.throws(() => unwrapForRecipient(r.privateKey.subarray(1), w, aad), code('bad_input'));
  });
});
