/** Time source of the server: epoch milliseconds. Injected everywhere so tests can move time. */
export interface Clock {
  now(): number;
  /** Waits `ms` (the login slow-down, 12.8); a test clock records the wait and moves its time instead. */
  sleep?(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Waits `ms` on `clock` (real time for a clock that cannot sleep). */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return clock.sleep ? clock.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
}
