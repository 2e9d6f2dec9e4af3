/**
 * The Offline Add-on, client side: sync engine, offline unlock and record source, triggers, wipe,
 * settings and local management. H3's online code calls `runOfflineTrigger` and `openOfflineSource`.
 */
import type { ClientContext } from '../context.js';
import { requireDb } from '../context.js';
import { OfflineRecordSource } from './source.js';
import { triggerSync, type TriggerKind } from './triggers.js';
import { unlockOffline } from './unlock.js';

/** Runs an automatic offline sync trigger. Never creates an offline database (R3); never throws. */
export async function runOfflineTrigger(ctx: ClientContext, kind: TriggerKind): Promise<void> {
  await triggerSync(ctx, kind);
}

/**
 * Opens the offline record source of the context's account and db (offline fallback, R11): null when
 * no offline database exists; throws offline_expired / offline_wiped / offline_corrupt (exit 6).
 */
export async function openOfflineSource(ctx: ClientContext): Promise<OfflineRecordSource | null> {
  const db = requireDb(ctx);
  const s = await unlockOffline({
    home: ctx.home,
    server: ctx.account.server,
    user: ctx.account.user,
    db,
    device: ctx.device.id,
    userKey: ctx.keyring.userKey,
    pinnedKey: ctx.accountFile.signingPublicKey,
    clock: ctx.clock,
  });
  return s ? new OfflineRecordSource(s) : null;
}

export { syncOffline, SYNC_TASK, hasOfflineDatabase, type OfflineSyncResult, type OfflineSyncOptions } from './sync.js';
export { unlockOffline, assertNotWiped, type OfflineSession, type OfflineUnlockArgs } from './unlock.js';
export { OfflineRecordSource } from './source.js';
export { triggerSync, completionNotice, type TriggerKind } from './triggers.js';
export { runAgent, type AgentOptions } from './agent.js';
export {
  offlineStatus,
  listOfflineDatabases,
  removeOfflineDatabase,
  changeSettings,
  type OfflineStatus,
  type OfflineListEntry,
  type AccountScope,
  type SettingsChange,
} from './manage.js';
export { readSettings, defaultSettings, offlineDir, parseOnOff, parseInterval, DEFAULT_INTERVAL_MINUTES, type OfflineSettings } from './settings.js';
export { checkThrottle, noteUnlock, delayAfter, FREE_ATTEMPTS } from './throttle.js';
export { locate, type OfflineTarget } from './locate.js';
export { applyWipeOrder, fetchAndApplyOrders, wipeOnRefusal } from './wipe.js';
