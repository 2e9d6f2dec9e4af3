/**
 * The Offline Add-on, client side: sync engine, offline unlock and record source, triggers, wipe,
 * settings and local management. The SDK core does not import it: loading this module registers the
 * add-on, which subscribes to the core's `saved` / `loggedIn` events (after-save / after-login syncs)
 * and provides the offline fallback source.
 */
import type { ClientContext } from '../context.js';
import { registerAddon, type ClientAddon } from '../addons.js';
import { provideOfflineSource } from '../source.js';
import { OfflineRecordSource } from './source.js';
import { triggerSync, type TriggerKind } from './triggers.js';
import { unlockForContext } from './unlock.js';

/** Runs an automatic offline sync trigger. Never creates an offline database (R3); never throws. */
export async function runOfflineTrigger(ctx: ClientContext, kind: TriggerKind): Promise<void> {
  await triggerSync(ctx, kind);
}

/** The Offline Add-on as the core sees it: after-save and after-login syncs on the lifecycle events. */
export const offlineAddon: ClientAddon = {
  name: 'offline',
  subscribe(events) {
    // The emitter (vault.ts, session.ts) always passes the ClientContext the event is about.
    events.on('saved', (e) => e.waitFor(runOfflineTrigger(e.context as ClientContext, 'after-save')));
    events.on('loggedIn', (e) => e.waitFor(runOfflineTrigger(e.context as ClientContext, 'after-login')));
  },
};

/**
 * Opens the offline record source of the context's account and db (offline fallback, R11): null when
 * no offline database exists; throws offline_expired / offline_wiped / offline_corrupt (exit 6).
 */
export async function openOfflineSource(ctx: ClientContext): Promise<OfflineRecordSource | null> {
  const s = await unlockForContext(ctx);
  return s ? new OfflineRecordSource(s) : null;
}

registerAddon(offlineAddon);
provideOfflineSource(openOfflineSource);

export { syncOffline, SYNC_TASK, type OfflineSyncResult, type OfflineSyncOptions } from './sync.js';
export { unlockOffline, assertNotWiped, type OfflineSession, type OfflineUnlockArgs } from './unlock.js';
export { OfflineRecordSource } from './source.js';
export { triggerSync, completionNotice, type TriggerKind } from './triggers.js';
export { runAgent, type AgentOptions } from './agent.js';
export {
  offlineStatus,
  listOfflineDatabases,
  removeOfflineDatabase,
  changeSettings,
  pendingCount,
  accountPending,
  refuseIfPending,
  type OfflineStatus,
  type OfflineListEntry,
  type AccountScope,
  type SettingsChange,
} from './manage.js';
export { readSettings, defaultSettings, offlineDir, parseOnOff, parseInterval, DEFAULT_INTERVAL_MINUTES, type OfflineSettings } from './settings.js';
export { checkThrottle, noteUnlock, delayAfter, FREE_ATTEMPTS } from './throttle.js';
export { locate, type OfflineTarget } from './locate.js';
export { applyWipeOrder, fetchAndApplyOrders, wipeOnRefusal } from './wipe.js';
export { withSyncLock, syncLockPath, type SyncLockOptions } from './synclock.js';
export { offlineCreate, offlineEdit, offlineRemove, type QueuedChange } from './edits.js';
export { pushOutbox, type PushCounts } from './push.js';
export { listConflicts, listPending, resolveConflict, type ConflictItem, type PendingItem } from './conflicts.js';
