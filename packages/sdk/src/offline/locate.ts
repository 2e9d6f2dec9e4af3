/** Finding the offline database of (server, db, user, device) on this device (R7, R8). */
import { OfflineDatabase, type OfflineIdent, type OfflinePaths, type Sidecar, type Tombstone } from '@safehold/store';
import type { Home } from '../home.js';
import { offlineDir, readSettings, type OfflineSettings } from './settings.js';

export interface OfflineTarget {
  ident: OfflineIdent;
  /** The database's storage (files, sidecar, status, open, wipe). */
  database: OfflineDatabase;
  /** `database.paths`. */
  paths: OfflinePaths;
  settings: OfflineSettings;
}

/** Non-secret status kept beside the file, so `offline list`/`status` work without a password. */
export interface OfflineStatusFile {
  lastSync: string | null;
  expiresAt: string | null;
  records: number;
  enabled: boolean;
  right: boolean;
  offlineDays: number;
  /** E5: queued offline changes not yet pushed (absent in files written before offline edits). */
  pending?: number;
  /** The offline database instance named by the last lease (12.5): wipe orders for older ones are refused. */
  instance?: string;
  instanceCreatedAt?: string;
}

/** Where the offline database of this account, db and device lives (whether or not it exists). */
export function locate(home: Home, server: string, user: string, db: string, device: string): OfflineTarget {
  const settings = readSettings(home, server, user);
  const ident = { server, db, user, device };
  const database = new OfflineDatabase(offlineDir(home, settings), ident);
  return { ident, database, paths: database.paths, settings };
}

/** The sidecar when the offline database exists (sidecar and file both present), else null. */
export function existing(t: OfflineTarget): Sidecar | null {
  return t.database.fileExists() ? t.database.sidecar() : null;
}

/** The tombstone of a wiped offline database, if any. */
export function tombstoneOf(t: OfflineTarget): Tombstone | null {
  return t.database.tombstone();
}

/** The status file, if any. */
export function statusOf(t: OfflineTarget): OfflineStatusFile | null {
  return t.database.status<OfflineStatusFile>();
}

/** Whether an offline database exists for the target: its file and a readable sidecar. */
export function hasOfflineDatabase(target: OfflineTarget): boolean {
  return target.database.exists();
}
