/**
 * `safehold agent`: the interval trigger (R9). Runs a sync, logs one line, sleeps the interval of the
 * settings (re-read each round), and again. Clock and sleep are injected so tests run it in
 * milliseconds.
 */
import { SafeholdError } from '@safehold/protocol';
import type { ClientContext } from '../context.js';
import { readSettings } from './settings.js';
import { syncOffline } from './sync.js';
import { completionNotice, triggerDatabases } from './triggers.js';

export interface AgentOptions {
  /** Waits `ms` (real or fake time); resolve early to stop sooner. */
  sleep: (ms: number) => Promise<void>;
  /** Receives one line per run. */
  log: (line: string) => void;
  /** Stop after this many runs (tests, `--once`); default: forever. */
  maxRuns?: number;
  /** Milliseconds in one "minute" of the interval setting (tests shorten it); default 60000. */
  minuteMs?: number;
  /** Checked between runs. */
  shouldStop?: () => boolean;
}

/** Runs the interval sync loop; resolves after `maxRuns` runs, on shouldStop(), or after a wipe. */
export async function runAgent(ctx: ClientContext, o: AgentOptions): Promise<{ runs: number }> {
  let runs = 0;
  for (;;) {
    const at = new Date(ctx.clock()).toISOString();
    let stop = false;
    // Every offline database of this account on this device (R7 allows several); the chosen one first.
    const dbs = [...new Set([...(ctx.account.db ? [ctx.account.db] : []), ...triggerDatabases(ctx, 'interval')])];
    let any = false;
    for (const db of dbs) {
      const c = db === ctx.account.db ? ctx : { ...ctx, account: { ...ctx.account, db } };
      try {
        const r = await syncOffline(c, { create: false });
        if (r) {
          any = true;
          o.log(`${at} ${dbs.length > 1 ? `${db}: ` : ''}${completionNotice(r)}`);
        }
      } catch (e) {
        any = true;
        const msg = e instanceof SafeholdError ? e.message : 'unexpected error';
        o.log(`${at} ${dbs.length > 1 ? `${db}: ` : ''}offline sync failed: ${msg}`);
        if (e instanceof SafeholdError && e.code === 'offline_wiped' && db === ctx.account.db) stop = true;
      }
    }
    if (!any) o.log(`${at} no offline database for ${ctx.account.user}/${ctx.account.db ?? '?'}: the first sync is manual (safehold offline sync)`);
    runs++;
    if (stop || (o.maxRuns !== undefined && runs >= o.maxRuns) || o.shouldStop?.()) return { runs };
    const minutes = readSettings(ctx.home, ctx.account.server, ctx.account.user).intervalMinutes;
    await o.sleep(minutes * (o.minuteMs ?? 60_000));
    if (o.shouldStop?.()) return { runs };
  }
}
