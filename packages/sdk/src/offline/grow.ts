/**
 * Growing typed arrays: the header cache's builders (headercache.ts, headerrows.ts, headercachethread.ts)
 * append to flat arrays and double them when full. No imports: the header cache thread loads this.
 */

type Growable = Uint8Array | Int32Array | Uint32Array;

/**
 * `a` when it has room for `need` elements, or else a new array of the same type, at least twice as long,
 * holding `a`'s first `keep` elements. With `wipe`, the old array is zeroed (it held key material or
 * plaintext), so no copy of its contents is left behind for the collector.
 */
export function withRoom<T extends Growable>(a: T, need: number, keep: number = a.length, wipe = false): T {
  if (need <= a.length) return a;
  const bigger = new (a.constructor as new (length: number) => T)(Math.max(need, a.length * 2));
  bigger.set(a.subarray(0, keep));
  if (wipe) a.fill(0);
  return bigger;
}
