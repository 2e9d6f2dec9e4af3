import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHARSETS, generatePassword, type CharSet } from './password.js';
import { CryptoError } from './errors.js';

const isBad = (e: unknown): boolean => e instanceof CryptoError && e.code === 'bad_input';
const ALL: CharSet[] = ['lower', 'upper', 'digits', 'symbols'];

/** Pearson chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: Map<string, number>, alphabet: string, total: number): number {
  const expected = total / alphabet.length;
  let x2 = 0;
  for (const c of alphabet) {
    const o = counts.get(c) ?? 0;
    x2 += ((o - expected) * (o - expected)) / expected;
  }
  return x2;
}

describe('generatePassword', () => {
  test('length is exact; only chosen sets; at least one of each chosen set', () => {
    for (const len of [4, 5, 8, 16, 64, 1024]) {
      for (const sets of [ALL, ['lower'], ['digits', 'symbols'], ['upper', 'lower', 'digits']] as CharSet[][]) {
        const pw = generatePassword(len, sets);
        assert.equal(pw.length, len);
        const allowed = sets.map((s) => CHARSETS[s]).join('');
        for (const c of pw) assert.ok(allowed.includes(c), `unexpected ${c}`);
        for (const s of sets) assert.ok([...CHARSETS[s]].some((c) => pw.includes(c)), `missing ${s} in ${len}`);
      }
    }
    // the tightest case: 4 characters, 4 sets, so exactly one of each
    for (let i = 0; i < 200; i++) {
      const pw = generatePassword(4, ALL);
      for (const s of ALL) assert.equal([...pw].filter((c) => CHARSETS[s].includes(c)).length, 1);
    }
  });

  test('refuses lengths outside 4..1024 and empty/unknown sets', () => {
    for (const len of [3, 0, -1, 1025, 4.5, Number.NaN]) assert.throws(() => generatePassword(len, ALL), isBad, String(len));
    assert.throws(() => generatePassword(16, []), isBad);
    assert.throws(() => generatePassword(16, ['emoji' as CharSet]), isBad);
    assert.throws(() => generatePassword(16, ['toString' as CharSet]), isBad);
    assert.equal(generatePassword(16, ['digits', 'digits']).length, 16);
  });

  test('distribution is uniform (chi-square, digits only and full alphabet)', () => {
    // Thresholds sit far in the tail (p < 1e-6), so a correct generator essentially never fails,
    // while modulo bias or a stuck character would blow well past them.
    const digits = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < 1000; i++) {
      for (const c of generatePassword(100, ['digits'])) {
        digits.set(c, (digits.get(c) ?? 0) + 1);
        total++;
      }
    }
    assert.equal(digits.size, 10);
    assert.ok(chiSquare(digits, CHARSETS.digits, total) < 45, `digits chi2 ${chiSquare(digits, CHARSETS.digits, total)}`); // df=9

    const alphabet = ALL.map((s) => CHARSETS[s]).join('');
    const all = new Map<string, number>();
    total = 0;
    for (let i = 0; i < 2000; i++) {
      for (const c of generatePassword(64, ALL)) {
        all.set(c, (all.get(c) ?? 0) + 1);
        total++;
      }
    }
    assert.equal(all.size, alphabet.length);
    assert.ok(chiSquare(all, alphabet, total) < 170, `full chi2 ${chiSquare(all, alphabet, total)}`); // df=89
  });

  test('positions are not biased: first character is uniform over the chosen alphabet', () => {
    const first = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const c = generatePassword(8, ['digits'])[0] ?? '';
      first.set(c, (first.get(c) ?? 0) + 1);
    }
    assert.ok(chiSquare(first, CHARSETS.digits, 5000) < 45);
  });
});
