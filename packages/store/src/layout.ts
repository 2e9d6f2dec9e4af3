/**
 * Where one offline database lives: several files side by side in one directory, named after the
 * (server, db, user, device) it belongs to, so that many coexist in one directory (R7).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** The identity of one offline database. */
export interface OfflineIdent {
  server: string;
  db: string;
  user: string;
  device: string;
}

export interface OfflinePaths {
  dir: string;
  base: string;
  /** The encrypted SQLite file. */
  file: string;
  /** The rebuild in progress after a server `reset`, swapped over `file` when complete. */
  build: string;
  /** The wrapped file key, KDF parameters, wrapped user key and pinned server key. */
  sidecar: string;
  /** Non-secret status for `offline list` / `status` without a password. */
  status: string;
  /** Left after a wipe, saying why. */
  tombstone: string;
  /** Offline unlock failure counter. */
  throttle: string;
}

/** File name stem: `<db>.<user>.<hash of server, db, user, device>` (names are [A-Za-z0-9._-] only). */
export function offlineBase(id: OfflineIdent): string {
  const h = createHash('sha256').update(`${id.server}\n${id.db}\n${id.user}\n${id.device}`).digest('base64url').slice(0, 16);
  return `${id.db}.${id.user}.${h}`;
}

/** Paths of the offline database of `id` inside `dir`. */
export function offlinePaths(dir: string, id: OfflineIdent): OfflinePaths {
  const base = offlineBase(id);
  return {
    dir,
    base,
    file: join(dir, `${base}.sqlite`),
    build: join(dir, `${base}.rebuild.sqlite`),
    sidecar: join(dir, `${base}.key.json`),
    status: join(dir, `${base}.status.json`),
    tombstone: join(dir, `${base}.wiped.json`),
    throttle: join(dir, `${base}.throttle.json`),
  };
}
