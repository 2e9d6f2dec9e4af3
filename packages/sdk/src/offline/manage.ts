/**
 * Local management of offline databases: status (spec §3.2 `offline status`), the list of every
 * offline database on this device (`offline list`, R7), settings with moving the files (R8), remove.
 * All of it works without the server and without the master password.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import type { OfflineInfo } from '@safehold/protocol/api';
import { OfflineDatabase, offlinePaths, removeIfExists, type Tombstone } from '@safehold/store';
import { wipeReasonText } from '@safehold/domain';
import type { Home } from '../home.js';
import { hasOfflineDatabase, locate, statusOf, tombstoneOf, type OfflineStatusFile } from './locate.js';
import { offlineDir, readSettings, writeSettings, type OfflineSettings } from './settings.js';

export interface AccountScope {
  home: Home;
  server: string;
  user: string;
  db: string;
  device: string;
}

/** spec §3.2 `offline status --json` (plus `exists`, `wiped`, `source`). */
export interface OfflineStatus {
  db: string;
  enabled: boolean;
  right: boolean;
  offlineDays: number;
  lastSync: string | null;
  expiresAt: string | null;
  path: string;
  records: number;
  settings: { afterSave: boolean; afterLogin: boolean; intervalMinutes: number; path: string };
  exists: boolean;
  wiped: { reason: string; at: string; why: string } | null;
  /** Where enabled/right/offlineDays come from: the server now, or the last successful sync. */
  source: 'server' | 'local';
  /** E5: queued offline changes not yet pushed. */
  pending: number;
}

/** The status of one offline database; `info` is the server's answer when it was reachable. */
export function offlineStatus(s: AccountScope, info: OfflineInfo | null): OfflineStatus {
  const t = locate(s.home, s.server, s.user, s.db, s.device);
  const exists = hasOfflineDatabase(t);
  const st: OfflineStatusFile | null = exists ? statusOf(t) : null;
  const tomb: Tombstone | null = exists ? null : tombstoneOf(t);
  return {
    db: s.db,
    enabled: info ? info.enabled : (st?.enabled ?? false),
    right: info ? info.right : (st?.right ?? false),
    offlineDays: info ? info.offlineDays : (st?.offlineDays ?? 0),
    lastSync: st?.lastSync ?? null,
    expiresAt: st?.expiresAt ?? null,
    path: t.paths.file,
    records: st?.records ?? 0,
    settings: {
      afterSave: t.settings.afterSave,
      afterLogin: t.settings.afterLogin,
      intervalMinutes: t.settings.intervalMinutes,
      path: offlineDir(s.home, t.settings),
    },
    exists,
    wiped: tomb ? { reason: tomb.reason, at: tomb.wipedAt, why: wipeReasonText(tomb.reason) } : null,
    source: info ? 'server' : 'local',
    pending: st?.pending ?? 0,
  };
}

/** Queued offline changes of one offline database (from its status file: no password needed). */
export function pendingCount(s: AccountScope): number {
  const t = locate(s.home, s.server, s.user, s.db, s.device);
  return existsSync(t.paths.file) ? (statusOf(t)?.pending ?? 0) : 0;
}

/** Refuses (offline_pending, exit 8) an action that would lose `n` queued changes, unless forced. */
export function refuseIfPending(n: number, what: string, force: boolean): void {
  if (n > 0 && !force) {
    throw new SafeholdError('offline_pending', `${n} offline change(s) are queued and not pushed yet: ${what} would lose them; sync first (safehold offline sync), or give --force to lose them`);
  }
}

/** One entry of `offline list`. */
export interface OfflineListEntry {
  server: string;
  db: string;
  user: string;
  path: string;
  lastSync: string | null;
  expiresAt: string | null;
  records: number;
}

/** Every offline database on this device: the default directory and every account's custom one. */
export function listOfflineDatabases(home: Home): OfflineListEntry[] {
  const dirs = new Set<string>([join(home.dir, 'offline')]);
  for (const a of home.listAccounts()) dirs.add(offlineDir(home, readSettings(home, a.server, a.user)));
  const device = home.device().id;
  const out: OfflineListEntry[] = [];
  for (const dir of dirs) {
    for (const { database, sidecar: sc } of OfflineDatabase.scan(dir, (sc) => sc.device === device, 'skip')) {
      if (!database.fileExists()) continue;
      const st = database.status<OfflineStatusFile>();
      out.push({ server: sc.server, db: sc.db, user: sc.user, path: database.paths.file, lastSync: st?.lastSync ?? null, expiresAt: st?.expiresAt ?? null, records: st?.records ?? 0 });
    }
  }
  return out;
}

/**
 * Removes (crypto-shreds) the offline database of this account and db. True when one existed. Refuses
 * while offline changes are queued, unless `force` (then `lost` says how many went with it).
 */
export function removeOfflineDatabase(s: AccountScope, opts: { force?: boolean; lost?: (n: number) => void } = {}): boolean {
  const pending = pendingCount(s);
  refuseIfPending(pending, 'removing the offline database', opts.force === true);
  if (pending > 0) opts.lost?.(pending);
  const t = locate(s.home, s.server, s.user, s.db, s.device);
  const existed = existsSync(t.paths.file) || existsSync(t.paths.sidecar);
  t.database.wipe(null);
  removeIfExists(t.paths.tombstone);
  return existed;
}

export interface SettingsChange {
  afterSave?: boolean;
  afterLogin?: boolean;
  intervalMinutes?: number;
  /** A directory; '' resets to the default. */
  path?: string;
}

/** Applies a settings change; a new path moves this account's offline databases there. */
export function changeSettings(home: Home, server: string, user: string, device: string, c: SettingsChange, opts: { force?: boolean } = {}): OfflineSettings {
  const old = readSettings(home, server, user);
  const next: OfflineSettings = {
    afterSave: c.afterSave ?? old.afterSave,
    afterLogin: c.afterLogin ?? old.afterLogin,
    intervalMinutes: c.intervalMinutes ?? old.intervalMinutes,
    path: c.path === undefined ? old.path : c.path === '' ? null : resolve(c.path),
  };
  const from = offlineDir(home, old);
  const to = offlineDir(home, next);
  if (from !== to) {
    refuseIfPending(pendingIn(from, server, user, device), 'changing the offline path', opts.force === true);
    try {
      mkdirSync(to, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new SafeholdError('bad_request', `cannot use ${to} for offline databases: ${(e as Error).message}`);
    }
    moveAccountFiles(from, to, server, user, device);
  }
  writeSettings(home, server, user, next);
  return next;
}

function moveFile(a: string, b: string): void {
  if (!existsSync(a)) return;
  try {
    renameSync(a, b);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    copyFileSync(a, b);
    removeIfExists(a);
  }
}

/** Queued offline changes of every offline database of (server, user, device) in a directory. */
function pendingIn(dir: string, server: string, user: string, device: string): number {
  let n = 0;
  for (const { database } of OfflineDatabase.scan(dir, (sc) => sc.server === server && sc.user === user && sc.device === device)) {
    if (database.fileExists()) n += database.status<OfflineStatusFile>()?.pending ?? 0;
  }
  return n;
}

/** Queued offline changes of every offline database of this account on this device. */
export function accountPending(home: Home, server: string, user: string, device: string): number {
  return pendingIn(offlineDir(home, readSettings(home, server, user)), server, user, device);
}

/** Moves every offline database of (server, user, device) from one directory to another. */
function moveAccountFiles(from: string, to: string, server: string, user: string, device: string): void {
  for (const { database, sidecar: sc } of OfflineDatabase.scan(from, (sc) => sc.server === server && sc.user === user && sc.device === device)) {
    const a = database.paths;
    const b = offlinePaths(to, sc);
    if (existsSync(b.file) || existsSync(b.sidecar)) throw new SafeholdError('conflict', `an offline database for ${sc.db} already exists in ${to}`);
    // The database file first, the sidecar (which makes it "exist") last.
    for (const k of ['file', 'build', 'status', 'tombstone'] as const) moveFile(a[k], b[k]);
    moveFile(a.sidecar, b.sidecar);
  }
}
