/**
 * The offline sync engine (R3, R4/R5 as served, R10, E3): pages of the delta sync are applied each in
 * one local transaction together with their cursor; a `reset` builds a fresh file beside the current
 * one and swaps it in atomically when complete. Record keys arriving for a public key (shared, role)
 * are unwrapped and re-wrapped under the user key, so that offline unlock is symmetric only. The page
 * rules are the domain's page applier; a run's parts live in ./syncrun/ (docs/adr/0060-sync-core.md).
 */
import { existsSync } from 'node:fs';
import { SafeholdError } from '@safehold/protocol';
import { MAX_SYNC_LIMIT } from '@safehold/protocol';
import { readSidecar } from '@safehold/store';
import type { ClientContext } from '../context.js';
import { requireDb } from '../context.js';
import { hasOfflineDatabase, locate, type OfflineTarget } from './locate.js';
import { syncLockPath, withSyncLock } from './synclock.js';
import { ensureDeviceKey } from '../devicekey.js';
import { SyncRun, type OfflineSyncResult } from './syncrun/run.js';
import { newFileKey, unwrapFileKey, zero } from '../keys/index.js';

export { SYNC_TASK, type OfflineSyncResult } from './syncrun/run.js';

export interface OfflineSyncOptions {
  /** True for the manual sync, which may create the offline database (R3); triggers pass false. */
  create: boolean;
  /** Page size asked of the server. */
  limit?: number;
  /** Records from which a fresh file's header cache is written on a worker thread (ADR 0095; tests lower it). */
  headerCacheThreadFrom?: number;
}

/**
 * Synchronises the offline database of the context's account, db and device. Returns null when there
 * is none and `create` is false (an automatic trigger never creates one).
 */
export async function syncOffline(ctx: ClientContext, opts: OfflineSyncOptions): Promise<OfflineSyncResult | null> {
  const db = requireDb(ctx);
  const target = locate(ctx.home, ctx.account.server, ctx.account.user, db, ctx.device.id);
  // A trigger with no offline database does nothing, and creates nothing (not even the lock's directory).
  if (!opts.create && !hasOfflineDatabase(target)) return null;
  // Never two syncs of one offline database at once, whoever starts them (UI, agent, CLI).
  return withSyncLock(syncLockPath(target), () => syncLocked(ctx, opts, db, target), {
    onWait: (pid) => ctx.events.notice(`waiting for the offline sync already running${pid ? ` (process ${pid})` : ''}`),
  });
}

async function syncLocked(ctx: ClientContext, opts: OfflineSyncOptions, db: string, target: OfflineTarget): Promise<OfflineSyncResult | null> {
  const sidecar = readSidecar(target.paths.sidecar);
  const mainExists = sidecar !== null && existsSync(target.paths.file);
  if (!mainExists && !opts.create) return null;
  if (sidecar && sidecar.signingPublicKey !== ctx.accountFile.signingPublicKey) {
    throw new SafeholdError('integrity', 'the server key pinned in the offline database differs from the one pinned for this account: refused');
  }
  const pinned = sidecar?.signingPublicKey ?? ctx.accountFile.signingPublicKey;
  const fileKey = sidecar ? unwrapFileKey(ctx.keyring.userKey, sidecar) : newFileKey();
  // The device key must be on the server before it may be needed to fetch a wipe order (12.4).
  if (!ctx.accountFile.deviceKey?.registered) {
    try {
      await ensureDeviceKey(ctx);
    } catch {
      // The sync below meets the same refusal or outage and handles it.
    }
  }
  const run = new SyncRun({
    ctx, target, db, fileKey, limit: opts.limit ?? SYNC_PAGE, pinned, sidecar,
    ...(opts.headerCacheThreadFrom !== undefined ? { headerCacheThreadFrom: opts.headerCacheThreadFrom } : {}),
  });
  try {
    return await run.execute(mainExists);
  } finally {
    run.close();
    zero(fileKey);
  }
}

/**
 * Records per page the client asks for. With the next page requested while one is applied, two pages
 * are in memory at once; 1000 keeps a 100k first sync under spec §5's 200 MB RSS (2000 peaked at
 * ~210 MiB) at no cost in speed (the server's per-request overhead is small next to 1000 records).
 */
const SYNC_PAGE = Math.min(1000, MAX_SYNC_LIMIT);
