/** Loads one GET call of the local process, again whenever a dependency changes or `reload` is called. */
import { useEffect, useState } from 'preact/hooks';
import { call, messageOf } from './api';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** `path` null: nothing is loaded (e.g. offline, where the call needs the server); `poll`: timed re-reads (not activity). */
export function useLoad<T>(path: string | null, deps: unknown[], poll = false): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stale = false;
    if (path === null) {
      setData(null);
      setError(null);
      return;
    }
    call<T>('GET', path, undefined, { poll })
      .then((r) => {
        if (stale) return;
        setData(r);
        setError(null);
      })
      .catch((e: unknown) => {
        if (stale) return;
        setData(null);
        setError(messageOf(e));
      });
    return () => {
      stale = true;
    };
  }, [path, tick, ...deps]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}

/** Runs a state-changing call, then `after`; a failure goes to `fail` (the section's message). */
export function act<T>(p: Promise<T>, after: (r: T) => void, fail: (msg: string, e: unknown) => void): void {
  p.then(after).catch((e: unknown) => fail(messageOf(e), e));
}

/** The one sentence every team section shows while the server is unreachable. */
export const NEEDS_SERVER = 'the server, which is unreachable (offline mode offers records and search only)';
