import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hash as argon2Hash, parseOptions } from '@node-rs/argon2';
import { hashAuthKey, verifyAuthKey } from './authhash.js';
import { CryptoError } from './errors.js';
import { randomKey, utf8 } from './util.js';

describe('hashAuthKey / verifyAuthKey', () => {
  const authKey = randomKey();

  test('PHC string with the server profile (argon2id, m=19456, t=2, p=1); verifies', async () => {
    const phc = await hashAuthKey(authKey);
    assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyAuthKey(phc, authKey), true);
    // The binding parses it as a standard PHC string. (Its own verify() cannot be used on raw
    // keys: it insists the password be valid UTF-8, which random key bytes are not.)
    const o = parseOptions(phc);
    assert.deepEqual([o.memoryCost, o.timeCost, o.parallelism, o.outputLen, o.saltLen], [19456, 2, 1, 32, 16]);
  });

  test('verifies a PHC string produced by the binding itself', async () => {
    const key = new TextEncoder().encode('a UTF-8 clean 32-byte test key!!');
    assert.equal(key.byteLength, 32);
    const phc = await argon2Hash(key, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    assert.equal(await verifyAuthKey(phc, key), true);
    assert.equal(await verifyAuthKey(phc, key.map((b, i) => (i === 0 ? b ^ 1 : b))), false);
  });

  test('salted: two hashes of one key differ, both verify', async () => {
    const a = await hashAuthKey(authKey);
    const b = await hashAuthKey(authKey);
    assert.notEqual(a, b);
    assert.equal(await verifyAuthKey(b, authKey), true);
  });

  test('wrong key is false', async () => {
    const phc = await hashAuthKey(authKey);
    const other = authKey.slice();
    other[31] = (other[31] ?? 0) ^ 1;
    assert.equal(await verifyAuthKey(phc, other), false);
    assert.equal(await verifyAuthKey(phc, authKey.subarray(0, 31)), false);
  });

  test('malformed, foreign or out-of-bounds hashes are false, not a throw', async () => {
    const phc = await hashAuthKey(authKey);
    const bad = [
      '',
      'junk',
      phc.slice(0, -5),
      phc.replace('$argon2id$', '$argon2i$'),
      phc.replace('v=19', 'v=16'),
      phc.replace('m=19456', 'm=99999999'),
      phc.replace('t=2', 't=500'),
      phc.replace('m=19456', 'm=1'),
      phc + '=',
      phc.replace(/\$([^$]+)$/, '$!!!!'),
      42 as unknown as string,
    ];
    for (const h of bad) assert.equal(await verifyAuthKey(h, authKey), false, String(h));
  });

  test('reads reference-implementation PHC strings (phc-winner-argon2 src/test.c)', async () => {
    const pw = utf8('password');
    assert.equal(await verifyAuthKey('$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', pw), true);
    assert.equal(await verifyAuthKey('$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc', pw), true);
    assert.equal(await verifyAuthKey('$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', utf8('passwore')), false);
  });

  test('hashAuthKey refuses a key that is not 32 bytes', async () => {
    await assert.rejects(hashAuthKey(new Uint8Array(16)), (e: unknown) => e instanceof CryptoError && e.code === 'bad_input');
  });
});
