import { createDecipheriv } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVELOPE_AEAD_V1, ENVELOPE_HPKE_V1, decrypt, encrypt, envelopeKeyId, envelopeVersion } from './aead.js';
import { CryptoError, type CryptoErrorCode } from './errors.js';
import { randomKey, utf8 } from './util.js';

const code = (c: CryptoErrorCode) => (e: unknown): boolean => e instanceof CryptoError && e.code === c;

describe('AEAD envelope v1', () => {
  const key = randomKey();
  const aad = utf8('record:r1|part:secret|rev:v7');
  const pt = utf8('correct horse battery staple');

  test('round trip; layout [0x01][len][keyId][nonce 12][ct][tag 16]', () => {
    const env = encrypt(key, pt, aad, 'k1');
    assert.equal(env[0], ENVELOPE_AEAD_V1);
    assert.equal(env[1], 2);
    assert.equal(env.byteLength, 1 + 1 + 2 + 12 + pt.byteLength + 16);
    assert.deepEqual(decrypt(key, env, aad), pt);
    assert.equal(envelopeVersion(env), 1);
    assert.equal(envelopeKeyId(env), 'k1');
  });

  test('keyId defaults to empty; non-ASCII keyId survives; empty plaintext works', () => {
    const env = encrypt(key, new Uint8Array(0), aad);
    assert.equal(envelopeKeyId(env), '');
    assert.deepEqual(decrypt(key, env, aad), new Uint8Array(0));
    assert.equal(envelopeKeyId(encrypt(key, pt, aad, 'clé-ü')), 'clé-ü');
  });

  test('fresh random nonce each time', () => {
    const a = encrypt(key, pt, aad);
    const b = encrypt(key, pt, aad);
    assert.notDeepEqual(a.subarray(2, 14), b.subarray(2, 14));
    assert.notDeepEqual(a, b);
  });

  test('flipping any bit of any region is detected (version -> unsupported_version, rest -> decrypt_failed)', () => {
    const env = encrypt(key, pt, aad, 'k1');
    const regions: [string, number, number][] = [
      ['version', 0, 1],
      ['keyIdLen', 1, 2],
      ['keyId', 2, 4],
      ['nonce', 4, 16],
      ['ciphertext', 16, 16 + pt.byteLength],
      ['tag', 16 + pt.byteLength, env.byteLength],
    ];
    let checked = 0;
    for (const [name, from, to] of regions) {
      for (let i = from; i < to; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const bad = env.slice();
          bad[i] = (bad[i] ?? 0) ^ (1 << bit);
          assert.throws(() => decrypt(key, bad, aad), code(name === 'version' ? 'unsupported_version' : 'decrypt_failed'), `${name} byte ${i} bit ${bit}`);
          checked++;
        }
      }
    }
    assert.equal(checked, env.byteLength * 8);
  });

  test('format pinned independently: plain node AES-256-GCM with AAD = header || aad opens it', () => {
    const env = encrypt(key, pt, aad, 'k1');
    const header = env.subarray(0, 4);
    const d = createDecipheriv('aes-256-gcm', key, env.subarray(4, 16));
    d.setAAD(Buffer.concat([header, aad]));
    d.setAuthTag(env.subarray(env.byteLength - 16));
    const out = Buffer.concat([d.update(env.subarray(16, env.byteLength - 16)), d.final()]);
    assert.deepEqual(new Uint8Array(out), pt);
  });

  test('every byte of the 256-bit key matters', () => {
    const env = encrypt(key, pt, aad);
    for (let i = 0; i < 32; i++) {
      const k = key.slice();
      k[i] = (k[i] ?? 0) ^ 1;
      assert.throws(() => decrypt(k, env, aad), code('decrypt_failed'), `key byte ${i}`);
    }
  });

  test('wrong key and wrong AAD fail', () => {
    const env = encrypt(key, pt, aad, 'k1');
    assert.throws(() => decrypt(randomKey(), env, aad), code('decrypt_failed'));
    assert.throws(() => decrypt(key, env, utf8('record:r2|part:secret|rev:v7')), code('decrypt_failed'));
    assert.throws(() => decrypt(key, env, new Uint8Array(0)), code('decrypt_failed'));
  });

  test('the key id is authenticated: rewriting it (even to the same length) fails', () => {
    const env = encrypt(key, pt, aad, 'k1');
    const swapped = env.slice();
    swapped.set(utf8('k2'), 2);
    assert.equal(envelopeKeyId(swapped), 'k2');
    assert.throws(() => decrypt(key, swapped, aad), code('decrypt_failed'));
  });

  test('every truncation is decrypt_failed (lengths 0 .. header+16 and beyond)', () => {
    const env = encrypt(key, pt, aad, 'k1');
    const headerLen = 2 + 2 + 12;
    for (let n = 0; n < env.byteLength; n++) {
      assert.throws(() => decrypt(key, env.subarray(0, n), aad), code('decrypt_failed'), `length ${n}`);
    }
    assert.ok(env.byteLength > headerLen + 16);
    // an envelope with an empty plaintext is exactly header+16 and still opens
    const empty = encrypt(key, new Uint8Array(0), aad, 'k1');
    assert.equal(empty.byteLength, headerLen + 16);
    for (let n = 0; n < empty.byteLength; n++) assert.throws(() => decrypt(key, empty.subarray(0, n), aad), code('decrypt_failed'));
    assert.equal(decrypt(key, empty, aad).byteLength, 0);
  });

  test('unknown or foreign versions are unsupported_version', () => {
    const env = encrypt(key, pt, aad);
    for (const v of [0x00, ENVELOPE_HPKE_V1, 0x03, 0x7f, 0xff]) {
      const bad = env.slice();
      bad[0] = v;
      assert.throws(() => decrypt(key, bad, aad), code('unsupported_version'), `version ${v}`);
    }
    assert.throws(() => envelopeKeyId(Uint8Array.of(0x02, 0)), code('unsupported_version'));
  });

  test('key must be 32 bytes; keyId at most 255 bytes', () => {
    for (const n of [0, 16, 31, 33]) {
      assert.throws(() => encrypt(new Uint8Array(n), pt, aad), code('bad_input'));
      assert.throws(() => decrypt(new Uint8Array(n), encrypt(key, pt, aad), aad), code('bad_input'));
    }
    assert.equal(envelopeKeyId(encrypt(key, pt, aad, 'x'.repeat(255))), 'x'.repeat(255));
    assert.throws(() => encrypt(key, pt, aad, 'x'.repeat(256)), code('bad_input'));
  });

  test('envelopeVersion/envelopeKeyId on malformed input', () => {
    assert.throws(() => envelopeVersion(new Uint8Array(0)), code('bad_input'));
    assert.throws(() => envelopeKeyId(Uint8Array.of(0x01)), code('bad_input'));
    assert.throws(() => envelopeKeyId(Uint8Array.of(0x01, 5, 0x61)), code('bad_input'));
    assert.throws(() => envelopeKeyId(Uint8Array.of(0x01, 1, 0xff)), code('bad_input')); // invalid UTF-8
  });
});
