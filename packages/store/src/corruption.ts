/**
 * A damaged offline file is an offline state (exit 6), wherever SQLite notices it (issue 17: the crash
 * campaign's bit flips and truncations were found only while reading pages, after the open, and ended
 * as `internal` with exit 1). Every statement of an open file is wrapped so that SQLite's corruption
 * codes become OfflineStoreError('corrupt'); its message names no path, key or content.
 */
import { OfflineStoreError } from './errors.js';
import type { SqliteHandle } from './keyed.js';

/** SQLITE_CORRUPT and its extended codes, and SQLITE_NOTADB (a page that does not decrypt). */
export function isCorruption(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

function rethrow(e: unknown): never {
  if (isCorruption(e)) throw new OfflineStoreError('corrupt', 'the offline database is damaged: run `safehold offline sync` while online to rebuild it', { cause: e });
  throw e;
}

/** Wraps the methods of `target` (results that are `target` itself, like `pluck()`, stay wrapped). */
function guard<T extends object>(target: T, inner: (v: unknown) => unknown = (v) => v): T {
  // One wrapper per method, made at its first use: a sync's inserts call `run` 100k times, and a fresh
  // closure per call cost a few percent of a first sync (issue 18's profile).
  const wrappers = new Map<PropertyKey, { of: (...a: unknown[]) => unknown; wrapped: (...a: unknown[]) => unknown }>();
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v: unknown = Reflect.get(t, prop, receiver);
      if (typeof v !== 'function') return v;
      const known = wrappers.get(prop);
      if (known?.of === v) return known.wrapped;
      const method = v as (...a: unknown[]) => unknown;
      const wrapped = function (...args: unknown[]): unknown {
        try {
          const out: unknown = method.apply(t, args);
          return out === t ? receiver : inner(out);
        } catch (e) {
          return rethrow(e);
        }
      };
      wrappers.set(prop, { of: method, wrapped });
      return wrapped;
    },
  });
}

/** The connection with every statement it prepares (and its pragma and exec) guarded. */
export function guardCorruption(db: SqliteHandle): SqliteHandle {
  return guard(db, (out) => (out !== null && typeof out === 'object' && 'run' in out && 'all' in out ? guard(out) : out));
}
