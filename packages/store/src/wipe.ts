/**
 * Crypto-shredding of an offline database (spec §4 "The offline file"): the wrapped file key is
 * destroyed FIRST (overwritten, fsynced, deleted), so that once that step is durable nothing left on
 * the disk can be decrypted, even with the master password; then the files are deleted and a small
 * tombstone (no secrets) is left for `offline status`.
 */
import { overwriteAndDelete, removeIfExists, sqliteFiles } from './fsutil.js';
import type { OfflinePaths } from './layout.js';
import { writeJson } from './sidecar.js';

export interface Tombstone {
  server: string;
  db: string;
  user: string;
  device: string;
  reason: string;
  wipedAt: string;
  /** When known: the signed order's issue time. */
  issuedAt?: string;
}

/** Shreds the offline database at `paths` and leaves `tombstone` (when given). Safe to call twice. */
export function wipeOffline(paths: OfflinePaths, tombstone: Tombstone | null): void {
  overwriteAndDelete(paths.sidecar);
  for (const f of [paths.file, paths.build]) {
    for (const p of sqliteFiles(f)) removeIfExists(p);
  }
  removeIfExists(paths.status);
  removeIfExists(paths.throttle);
  if (tombstone) writeJson(paths.tombstone, tombstone);
}
