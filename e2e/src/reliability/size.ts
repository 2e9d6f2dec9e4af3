/**
 * The campaign's size knob and figures (issue 17). `SAFEHOLD_RELIABILITY=full` (set by
 * `npm run reliability -- --full`) runs every part at the size; unset, the parts run small inside
 * `npm test`. `SAFEHOLD_RELIABILITY_SEED` fixes the seed (else one is drawn and printed). Each part
 * appends its figures as one JSON line to `SAFEHOLD_RELIABILITY_OUT` when set, and prints them.
 */
import { appendFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';

export const FULL = process.env['SAFEHOLD_RELIABILITY'] === 'full';

/** `small` in `npm test`, `full` in a full run. */
export function sized(small: number, full: number): number {
  return FULL ? full : small;
}

/** The run's seed: from the environment, else random; always printed with the figures. */
export const SEED = Number(process.env['SAFEHOLD_RELIABILITY_SEED'] ?? randomInt(1, 2 ** 31 - 1));

/** Records one part's figures (counts and durations, never a secret). */
export function figure(part: string, figures: Record<string, number | string | boolean>): void {
  const line = JSON.stringify({ part, size: FULL ? 'full' : 'small', seed: SEED, ...figures });
  console.log(`reliability: ${line}`);
  const out = process.env['SAFEHOLD_RELIABILITY_OUT'];
  if (out) appendFileSync(out, `${line}\n`);
}

/** A small seeded generator (mulberry32) for choices outside fast-check (kill points, client mixes). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A progress counter for a long part: prints `reliability progress: PART n/total (rate/s, elapsed)` at
 * most every `everyMs` (and at the end), so a full run shows where it is and where time goes.
 */
export function progress(part: string, total: number, everyMs = FULL ? 15_000 : 60_000): { tick(n?: number): void; done(): number } {
  const t0 = Date.now();
  let last = t0;
  let n = 0;
  const line = () => {
    const s = (Date.now() - t0) / 1000;
    console.log(`reliability progress: ${part} ${n}/${total} (${(n / Math.max(s, 0.001)).toFixed(1)}/s, ${s.toFixed(0)} s)`);
  };
  return {
    tick(k = 1) {
      n += k;
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        line();
      }
    },
    done() {
      line();
      return Math.round((Date.now() - t0) / 1000);
    },
  };
}
