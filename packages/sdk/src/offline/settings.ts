/**
 * Offline settings of one account (R8, R9): the three triggers and the location, stored in the
 * account's directory of the home. Defaults: after-save on, after-login on, every 30 minutes,
 * `<home>/offline/`.
 */
import { join, resolve } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { readJson, writeJson } from '@safehold/store';
import type { Home } from '../home.js';

export interface OfflineSettings {
  afterSave: boolean;
  afterLogin: boolean;
  intervalMinutes: number;
  /** The directory set with `offline settings --path`; null = the default `<home>/offline/`. */
  path: string | null;
}

export const DEFAULT_INTERVAL_MINUTES = 30;
/** Largest interval accepted (one week). */
export const MAX_INTERVAL_MINUTES = 7 * 24 * 60;

export function defaultSettings(): OfflineSettings {
  return { afterSave: true, afterLogin: true, intervalMinutes: DEFAULT_INTERVAL_MINUTES, path: null };
}

function settingsFile(home: Home, server: string, user: string): string {
  return join(home.accountDir(server, user), 'offline-settings.json');
}

/** Reads an account's offline settings (defaults for anything unset). */
export function readSettings(home: Home, server: string, user: string): OfflineSettings {
  const s = readJson<Partial<OfflineSettings>>(settingsFile(home, server, user)) ?? {};
  const d = defaultSettings();
  return {
    afterSave: typeof s.afterSave === 'boolean' ? s.afterSave : d.afterSave,
    afterLogin: typeof s.afterLogin === 'boolean' ? s.afterLogin : d.afterLogin,
    intervalMinutes: Number.isSafeInteger(s.intervalMinutes) && (s.intervalMinutes as number) > 0 ? (s.intervalMinutes as number) : d.intervalMinutes,
    path: typeof s.path === 'string' && s.path.length > 0 ? s.path : null,
  };
}

/** Writes an account's offline settings. */
export function writeSettings(home: Home, server: string, user: string, s: OfflineSettings): void {
  writeJson(settingsFile(home, server, user), s);
}

/** The directory holding this account's offline databases. */
export function offlineDir(home: Home, settings: OfflineSettings): string {
  return settings.path ? resolve(settings.path) : join(home.dir, 'offline');
}

/** Parses `on|off` (usage error otherwise). */
export function parseOnOff(flag: string, v: string): boolean {
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new SafeholdError('bad_request', `${flag} takes on or off, not ${JSON.stringify(v)}`);
}

/** Parses an interval in whole minutes, 1 .. one week (usage error otherwise). */
export function parseInterval(v: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1 || n > MAX_INTERVAL_MINUTES) {
    throw new SafeholdError('bad_request', `--interval takes whole minutes from 1 to ${MAX_INTERVAL_MINUTES}`);
  }
  return n;
}
