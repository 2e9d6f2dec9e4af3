import type { Clock } from '@safehold/server';

/** A clock that only moves when told to (the one mock tests may use). */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
  /** Every wait asked of this clock (sleep moves the time at once instead of waiting). */
  readonly slept: number[];
}

export function manualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let t = startMs;
  const slept: number[] = [];
  return {
    now: () => t,
    slept,
    sleep(ms: number) {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
