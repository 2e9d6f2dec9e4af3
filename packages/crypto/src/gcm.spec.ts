import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gcmOpen, gcmSeal } from './gcm.js';
import { CryptoError } from './errors.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

// AES-256-GCM known answers.
// TC13/TC14/TC16: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B.
// CAVP: NIST gcmEncryptExtIV256.rsp, [Keylen=256][IVlen=96][PTlen=0][AADlen=128][Taglen=128] Count=0
// (empty plaintext *with* associated data).
const VECTORS = [
  {
    name: 'GCM spec test case 13 (empty plaintext, no AAD)',
    key: '0000000000000000000000000000000000000000000000000000000000000000',
    iv: '000000000000000000000000',
    pt: '',
    aad: '',
    ct: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  {
    name: 'GCM spec test case 14',
    key: '0000000000000000000000000000000000000000000000000000000000000000',
    iv: '000000000000000000000000',
    pt: '00000000000000000000000000000000',
    aad: '',
    ct: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  {
    name: 'GCM spec test case 16 (60-byte plaintext, 20-byte AAD)',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    pt:
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
      '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ct:
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
      '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
  {
    name: 'CAVP gcmEncryptExtIV256 PTlen=0 AADlen=128 Count=0 (empty plaintext with AAD)',
    key: '78dc4e0aaf52d935c3c01eea57428f00ca1fd475f5da86a49c8dd73d68c8e223',
    iv: 'd79cf22d504cc793c3fb6c8a',
    pt: '',
    aad: 'b96baa8c1c75a671bfb2d08d06be5f36',
    ct: '',
    tag: '3e5d486aa2e30b22e040b85723a06e76',
  },
];

describe('AES-256-GCM known answers', () => {
  for (const v of VECTORS) {
    test(`${v.name}: seal`, () => {
      assert.equal(hex(gcmSeal(h(v.key), h(v.iv), h(v.pt), h(v.aad))), v.ct + v.tag);
    });
    test(`${v.name}: open, and a flipped tag bit is refused`, () => {
      assert.equal(hex(gcmOpen(h(v.key), h(v.iv), h(v.ct + v.tag), h(v.aad))), v.pt);
      const bad = h(v.ct + v.tag);
      bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
      assert.throws(() => gcmOpen(h(v.key), h(v.iv), bad, h(v.aad)), (e: unknown) => e instanceof CryptoError && e.code === 'decrypt_failed');
    });
  }

  test('refuses keys that are neither 16 nor 32 bytes, and nonces other than 12 bytes', () => {
    const isBad = (e: unknown): boolean => e instanceof CryptoError && e.code === 'bad_input';
    assert.throws(() => gcmSeal(new Uint8Array(24), new Uint8Array(12), new Uint8Array(0), new Uint8Array(0)), isBad);
    assert.throws(() => gcmSeal(new Uint8Array(32), new Uint8Array(16), new Uint8Array(0), new Uint8Array(0)), isBad);
  });
});
