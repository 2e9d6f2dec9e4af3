import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfExpand, hkdfExtract, hkdfSha256 } from './hkdf.js';
import { CryptoError } from './errors.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

// RFC 5869 Appendix A, test cases 1-3 (SHA-256).
const CASES = [
  {
    name: 'A.1 basic',
    ikm: h('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
    salt: h('000102030405060708090a0b0c'),
    info: h('f0f1f2f3f4f5f6f7f8f9'),
    L: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'A.2 longer inputs/outputs',
    ikm: range(0x00, 0x4f),
    salt: range(0x60, 0xaf),
    info: range(0xb0, 0xff),
    L: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm:
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
      '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
      'cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'A.3 zero-length salt/info',
    ikm: h('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
    salt: new Uint8Array(0),
    info: new Uint8Array(0),
    L: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

describe('HKDF-SHA256 (RFC 5869 vectors)', () => {
  for (const c of CASES) {
    test(`${c.name}: hkdfSha256`, () => {
      assert.equal(hex(hkdfSha256(c.ikm, c.salt, c.info, c.L)), c.okm);
    });
    test(`${c.name}: separate extract/expand (used by HPKE)`, () => {
      const prk = hkdfExtract(c.salt, c.ikm);
      assert.equal(hex(prk), c.prk);
      assert.equal(hex(hkdfExpand(prk, c.info, c.L)), c.okm);
    });
  }

  test('refuses output lengths outside 1..255*32', () => {
    for (const L of [0, -1, 255 * 32 + 1, 1.5]) {
      assert.throws(() => hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), L), (e: unknown) => e instanceof CryptoError && e.code === 'bad_input');
      assert.throws(() => hkdfExpand(new Uint8Array(32), new Uint8Array(0), L), (e: unknown) => e instanceof CryptoError && e.code === 'bad_input');
    }
    assert.equal(hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 255 * 32).byteLength, 255 * 32);
  });
});
