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

/** The completion notice of R10; says when queued offline changes were pushed (E5). */
export function completionNotice(r: Pick<OfflineSyncResult, 'added' | 'updated' | 'removed' | 'total'> & Partial<Pick<OfflineSyncResult, 'pushed' | 'conflicts' | 'rejected'>>): string {
  const pushed = r.pushed ?? 0;
  const conflicts = r.conflicts ?? 0;
  const rejected = r.rejected ?? 0;
  const push =
    pushed + rejected > 0
      ? `; ${pushed} offline change(s) pushed${conflicts > 0 ? `, ${conflicts} conflict(s)` : ''}${rejected > 0 ? `, ${rejected} rejected` : ''}${conflicts + rejected > 0 ? ' (see safehold conflicts)' : ''}`
      : '';
  return `offline sync completed: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.total} total${push}`;
}

/** The databases whose offline copies a trigger syncs: the one saved to, or (login, interval) every one of the account. */
export function triggerDatabases(ctx: ClientContext, kind: TriggerKind): string[] {
  if (kind === 'after-save') return ctx.account.db ? [ctx.account.db] : [];
  const names = new Set(ctx.accountFile.databases.map((d) => d.name));
  if (ctx.account.db) names.add(ctx.account.db);
  return [...names].sort();
}

/**
 * Runs one trigger: after a save, the database saved to; after login and every interval, every offline
 * database of this account on this device (R7 allows several). Returns the last sync result, or null
 * when nothing ran. Never throws.
 */
export async function triggerSync(ctx: ClientContext, kind: TriggerKind): Promise<OfflineSyncResult | null> {
  let last: OfflineSyncResult | null = null;
  for (const db of triggerDatabases(ctx, kind)) {
    const r = await triggerOne(db === ctx.account.db ? ctx : { ...ctx, account: { ...ctx.account, db } }, kind);
    last = r ?? last;
  }
  return last;
}

async function triggerOne(ctx: ClientContext, kind: TriggerKind): Promise<OfflineSyncResult | null> {
  try {
    if (!ctx.account.db) return null;
    const s = readSettings(ctx.home, ctx.account.server, ctx.account.user);
    if (kind === 'after-save' && !s.afterSave) return null;
    if (kind === 'after-login' && !s.afterLogin) return null;
    const res = await syncOffline(ctx, { create: false });
    if (res) {
      const text = completionNotice(res);
      // Pushed changes, conflicts and rejections are said even without a terminal: the user must know.
      if (res.pushed + res.rejected > 0) ctx.events.warning(`${ctx.account.db}: ${text}`);
      else ctx.events.notice(text);
    }
    return res;
  } catch (e) {
    const msg = e instanceof SafeholdError ? e.message : 'unexpected error';
    ctx.events.warning(`offline sync (${kind}) failed: ${msg}`);
    return null;
  }
}
