/**
 * The status bar (R10), always visible: a running sync with its progress, the completion notice with
 * counts (or why it failed), when the last sync was, the days left before offline expiry, and the
 * `Offline` badge whenever records come from the offline database; online, while the first list is this device's
 * offline copy (ADR 0120), badge "Local copy" (never the word "Offline", which names the offline mode), "showing the local copy, refreshing…" until the server's list replaces it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Status } from './api';

function ago(iso: string, now: number): string {
  const m = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  if (m < 1) return 'last synced just now';
  if (m < 120) return `last synced ${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `last synced ${h} hours ago`;
  return `last synced ${Math.floor(h / 24)} days ago`;
}

function daysLeft(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return `the local copy expired on ${iso.slice(0, 10)}`;
  const d = Math.floor(ms / 86_400_000);
  return d >= 1 ? `${d} day${d === 1 ? '' : 's'} left before the local copy expires` : 'the local copy expires within a day';
}

export function StatusBar({ status }: { status: Status }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => setNow(Date.now()), [status.generation]);
  const s = status.sync;
  return (
    <div class="statusbar" role="status" aria-live="polite">
      {status.unlocked && status.source === 'offline' ? <span class="badge offline">Offline</span> : null}
      {status.unlocked && status.source === 'server' && status.interimList ? (
        <span class={status.interimList.problem ? 'interim failed' : 'interim'} data-state={status.interimList.refreshing ? 'refreshing' : 'failed'}>
          <span class="badge copy">Local copy</span>
          {status.interimList.refreshing
            ? ' showing the local copy, refreshing from the server…'
            : ` showing the local copy: ${status.interimList.problem ?? 'the server list is not there'} (Refresh list tries again)`}
        </span>
      ) : null}
      {s.running ? (
        <span class="sync">
          <span>Syncing{s.total !== null ? ` ${s.done} / ${s.total} records` : '…'}</span>
          <span
            class="bar"
            role="progressbar"
            aria-label="Sync progress"
            aria-valuemin={0}
            aria-valuenow={s.done}
            aria-valuemax={s.total ?? undefined}
          >
            <span class="fill" style={{ width: s.total ? `${Math.min(100, (100 * s.done) / s.total)}%` : '5%' }} />
          </span>
        </span>
      ) : status.last ? (
        <span class={status.last.ok ? 'notice' : 'notice failed'}>{status.last.message}</span>
      ) : null}
      {status.unlocked && status.lastSync ? <span>{ago(status.lastSync, now)}</span> : null}
      {status.unlocked && !status.lastSync && !s.running && status.source === 'server' ? <span>no local copy yet: Account → Synchronise offline now</span> : null}
      {status.unlocked && status.expiresAt ? <span>{daysLeft(status.expiresAt, now)}</span> : null}
      {status.unlocked && status.source === 'offline' ? (
        <span class="problem">{status.offlineProblem ?? 'server unreachable: records and search only'}</span>
      ) : null}
      {!status.unlocked ? <span>Locked</span> : null}
    </div>
  );
}
