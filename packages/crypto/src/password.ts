import { CryptoError } from './errors.js';
import { randomBytes, zero } from './util.js';

export type CharSet = 'lower' | 'upper' | 'digits' | 'symbols';

export const CHARSETS: Readonly<Record<CharSet, string>> = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  // No quotes, backslash, backtick or space: they break shells and config files when pasted.
  symbols: '!#$%&()*+,-./:;<=>?@[]^_{|}~',
};

export const MIN_PASSWORD_LENGTH = 4;
export const MAX_PASSWORD_LENGTH = 1024;

/** Uniform integer in [0, n) from 32-bit draws, rejecting the top partial range to avoid modulo bias. */
function uniformInts(n: number, count: number): number[] {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const out: number[] = [];
  while (out.length < count) {
    const buf = randomBytes(4 * (count - out.length));
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < buf.byteLength && out.length < count; i += 4) {
      const v = view.getUint32(i);
      if (v < limit) out.push(v % n);
    }
    zero(buf);
  }
  return out;
}

/**
 * Random password over the union of the chosen sets, uniform among all passwords of that length
 * containing at least one character of each set: draw uniformly and redraw the whole password if a
 * set is missing (forcing characters into positions would skew the distribution).
 */
export function generatePassword(length: number, sets: CharSet[]): string {
  if (!Number.isSafeInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new CryptoError('bad_input', `password length must be ${MIN_PASSWORD_LENGTH}..${MAX_PASSWORD_LENGTH}`);
  }
  if (!Array.isArray(sets) || sets.length === 0) throw new CryptoError('bad_input', 'choose at least one character set');
  const chosen = [...new Set(sets)];
  for (const s of chosen) {
    if (!Object.hasOwn(CHARSETS, s)) throw new CryptoError('bad_input', 'unknown character set');
  }
  const groups = chosen.map((s) => CHARSETS[s]);
  const alphabet = groups.join('');
  for (;;) {
    const idx = uniformInts(alphabet.length, length);
    const pw = idx.map((i) => alphabet[i]).join('');
    idx.fill(0);
    if (groups.every((g) => [...g].some((c) => pw.includes(c)))) return pw;
  }
}
