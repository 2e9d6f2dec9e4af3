/**
 * Automatic sync triggers (R9): after the logged-in user's own save, after the `login` command, and
 * every interval (`safehold agent`). A trigger never creates an offline database (R3), does nothing
 * when the setting is off or no database exists, and never throws: a failure is a warning event.
 */
import { SafeholdError } from '@safehold/protocol';
import type { ClientContext } from '../context.js';
import { readSettings } from './settings.js';
import { syncOffline, type OfflineSyncResult } from './sync.js';

export type TriggerKind = 'after-save' | 'after-login' | 'interval';

/** The completion notice of R10. */
export function completionNotice(r: Pick<OfflineSyncResult, 'added' | 'updated' | 'removed' | 'total'>): string {
  return `offline sync completed: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.total} total`;
}

/** Runs one trigger; returns the sync result, or null when nothing ran. Never throws. */
export async function triggerSync(ctx: ClientContext, kind: TriggerKind): Promise<OfflineSyncResult | null> {
  try {
    if (!ctx.account.db) return null;
    const s = readSettings(ctx.home, ctx.account.server, ctx.account.user);
    if (kind === 'after-save' && !s.afterSave) return null;
    if (kind === 'after-login' && !s.afterLogin) return null;
    const res = await syncOffline(ctx, { create: false });
    if (res) ctx.events.notice(completionNotice(res));
    return res;
  } catch (e) {
    const msg = e instanceof SafeholdError ? e.message : 'unexpected error';
    ctx.events.warning(`offline sync (${kind}) failed: ${msg}`);
    return null;
  }
}
