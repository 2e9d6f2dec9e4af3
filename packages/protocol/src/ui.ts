/**
 * What the local web UI's process tells its page (`safehold ui`, spec §3.3): types only, so the browser
 * bundle can import them without loading anything. One definition for both sides (cli/src/ui, web/src).
 */

/** What the status bar shows; sent to the page as is (never a secret). */
export interface UiStatus {
  unlocked: boolean;
  account: { server: string; user: string; db: string | null } | null;
  source: 'server' | 'offline';
  /** Why records are not available offline (expired, wiped, none), with the date where there is one. */
  offlineProblem: string | null;
  sync: { running: boolean; trigger: string | null; done: number; total: number | null };
  last: { at: string; ok: boolean; message: string; counts: { added: number; updated: number; removed: number; total: number } | null } | null;
  lastSync: string | null;
  expiresAt: string | null;
  idleLockMinutes: number;
  /** Offline, the lease allows offline edits (E5): the record forms stay enabled and changes are queued. */
  offlineEdits: boolean;
  /**
   * Online, while the list shown is this device's offline copy (the first list after unlock, ADR 0120): `refreshing`
   * until the server's list replaces it (the generation is bumped then), or why that failed; `count` is the copy's.
   * Null when the list shown is the server's (or, offline, the offline database's: see `source`).
   */
  interimList: { refreshing: boolean; problem: string | null; count: number } | null;
  /** Bumped whenever the record list may have changed (the page reloads it). */
  generation: number;
}
