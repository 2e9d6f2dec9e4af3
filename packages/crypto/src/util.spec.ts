import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { constantTimeEqual, fromB64, fromUtf8, randomBytes, randomId, randomKey, sha256, toB64, utf8, zero } from './util.js';
import { CryptoError } from './errors.js';

const isBad = (e: unknown): boolean => e instanceof CryptoError && e.code === 'bad_input';

describe('util', () => {
  test('randomBytes/randomKey sizes, plain Uint8Array, not constant', () => {
    assert.equal(randomBytes(0).byteLength, 0);
    assert.equal(randomBytes(100_000).byteLength, 100_000);
    const k = randomKey();
    assert.equal(k.byteLength, 32);
    assert.equal(Object.getPrototypeOf(k), Uint8Array.prototype);
    assert.notDeepEqual(k, randomKey());
    assert.throws(() => randomBytes(-1), isBad);
    assert.throws(() => randomBytes(1.5), isBad);
  });

  test('randomId: 22 base64url chars of 16 bytes, unique', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = randomId();
      assert.match(id, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(fromB64(id).byteLength, 16);
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
  });

  test('randomId never begins with "-" (ids are command-line arguments)', () => {
    // 5000 draws: without the redraw about 78 of them would begin with '-'.
    for (let i = 0; i < 5000; i++) assert.notEqual(randomId()[0], '-');
  });

  test('toB64/fromB64 round trip, unpadded url alphabet', () => {
    for (let n = 0; n <= 40; n++) {
      const b = randomBytes(n);
      const s = toB64(b);
      assert.doesNotMatch(s, /[=+/]/);
      assert.deepEqual(fromB64(s), b);
    }
    assert.equal(toB64(Uint8Array.of(0xfb, 0xff)), '-_8');
    assert.equal(toB64(randomBytes(64).subarray(10, 13)).length, 4); // subarray views encode only their range
  });

  test('fromB64 rejects invalid characters, padding, impossible lengths, non-canonical forms', () => {
    const bad = ['ab+c', 'ab/c', 'abc=', 'ab c', 'a', 'abcde', 'é', 'AB', 'AAB', 'AA==', 'AAA=', '=AAA', 'QUJD=QUJD', 'QU\nJD',
      'QUJD\n', ' QUJD', 'QUJD\u0000', 'QUJ\u00c4', 'QUJ\ud83d', '\u00e9\u00e9\u00e9\u00e9', 'QUJD.', 'QU JD', '====', 'Q', 'QUJDQ'];
    for (const s of bad) {
      assert.throws(() => fromB64(s), isBad, s);
    }
    assert.deepEqual(fromB64('AA'), Uint8Array.of(0));
    assert.deepEqual(fromB64(''), new Uint8Array(0));
  });

  test('fromB64 accepts exactly the strings that decode and re-encode to themselves (every 2- and 3-character tail)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let accepted = 0;
    for (const prefix of ['', 'QUJD']) {
      for (const a of alphabet) {
        for (const b of alphabet) {
          for (const tail of [a + b, `${a}${b}A`, `${a}${b}B`, `${a}${b}D`, `${a}${b}E`]) {
            const s = prefix + tail;
            const canonical = Buffer.from(s, 'base64url').toString('base64url') === s;
            if (canonical) {
              assert.equal(toB64(fromB64(s)), s, s);
              accepted++;
            } else {
              assert.throws(() => fromB64(s), isBad, s);
            }
          }
        }
      }
    }
    // Both outcomes occur: 1/16 of the 2-character tails and 1/4 of the 3-character ones are canonical.
    assert.ok(accepted > 0 && accepted < 2 * 64 * 64 * 5);
  });

  test('fromB64 agrees with the rule spelled out (alphabet, length, zero unused bits) on random strings', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The rule as the previous implementation wrote it: only alphabet characters, never one character over a
    // multiple of four, and the last character's unused low bits (4 after two characters, 2 after three) zero.
    const rule = (s: string): boolean => {
      if (![...s].every((c) => alphabet.includes(c)) || s.length % 4 === 1) return false;
      const rest = s.length % 4;
      if (rest === 0) return true;
      const last = alphabet.indexOf(s[s.length - 1]!);
      return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
    };
    const char = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...alphabet) },
      { weight: 1, arbitrary: fc.constantFrom('+', '/', '=', ' ', '\n', '\t', '.', '\u0000', '\u00e9', '\ud83d', '\ude00', '\u2028') },
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 40 }).map((cs) => cs.join('')), (s) => {
        if (rule(s)) {
          assert.equal(toB64(fromB64(s)), s);
        } else {
          assert.throws(() => fromB64(s), isBad, JSON.stringify(s));
        }
      }),
      { numRuns: 20_000 },
    );
  });

  test('sha256 FIPS 180-2 "abc"', () => {
    assert.equal(Buffer.from(sha256(utf8('abc'))).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('constantTimeEqual', () => {
    const a = randomBytes(32);
    assert.equal(constantTimeEqual(a, a.slice()), true);
    const b = a.slice();
    b[31] = (b[31] ?? 0) ^ 1;
    assert.equal(constantTimeEqual(a, b), false);
    b[31] = (b[31] ?? 0) ^ 1;
    b[0] = (b[0] ?? 0) ^ 0x80;
    assert.equal(constantTimeEqual(a, b), false);
    assert.equal(constantTimeEqual(a, a.subarray(0, 31)), false);
    assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });

  test('zero wipes every buffer given, skips null/undefined, and only a view\'s range', () => {
    const a = randomBytes(16).map((x) => x | 1);
    const b = randomBytes(8).map((x) => x | 1);
    zero(a, null, b, undefined);
    assert.ok(a.every((x) => x === 0));
    assert.ok(b.every((x) => x === 0));
    const big = new Uint8Array(10).fill(7);
    zero(big.subarray(2, 5));
    assert.deepEqual([...big], [7, 7, 0, 0, 0, 7, 7, 7, 7, 7]);
  });

  test('utf8 / fromUtf8 round trip; invalid UTF-8 is bad_input', () => {
    const s = 'päss wörd ✓ 🔑';
    assert.equal(fromUtf8(utf8(s)), s);
    assert.throws(() => fromUtf8(Uint8Array.of(0xc3)), isBad);
    assert.throws(() => fromUtf8(Uint8Array.of(0xff, 0xfe)), isBad);
  });
});
