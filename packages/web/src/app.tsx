/** The shell: status stream, sign-in or the main views (Passwords, Account), and the status bar. */
import { useEffect, useState } from 'preact/hooks';
import { call, type Status } from './api';
import { Unlock } from './unlock';
import { Passwords } from './passwords';
import { Account } from './account';
import { StatusBar } from './statusbar';
import { Roles } from './roles';
import { ReleasesView, useReleases } from './releases';

type View = 'passwords' | 'roles' | 'releases' | 'account';

const VIEWS: Array<{ view: View; label: string }> = [
  { view: 'passwords', label: 'Passwords' },
  { view: 'roles', label: 'Roles' },
  { view: 'releases', label: 'Releases' },
  { view: 'account', label: 'Account' },
];

/** Follows the local process's status stream; null until the first message, 'gone' when it stops. */
function useStatus(): Status | null | 'gone' {
  const [status, setStatus] = useState<Status | null | 'gone'>(null);
  useEffect(() => {
    const es = new EventSource('/api/events');
    es.onmessage = (m: MessageEvent<string>) => setStatus(JSON.parse(m.data) as Status);
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setStatus('gone');
    };
    return () => es.close();
  }, []);
  return status;
}

/** Mirrors a running sync and the offline state in the tab's title and icon (the seeds' taskbar icon). */
function useTabState(status: Status | null): void {
  useEffect(() => {
    const icon = document.getElementById('tab-icon') as HTMLLinkElement | null;
    let title = 'Safehold';
    let href = '/icon.svg';
    if (status?.sync.running) {
      title = status.sync.total ? `Syncing ${status.sync.done}/${status.sync.total} · Safehold` : 'Syncing · Safehold';
      href = '/icon-sync.svg';
    } else if (status?.unlocked && status.source === 'offline') {
      title = 'Offline · Safehold';
      href = '/icon-offline.svg';
    }
    document.title = title;
    if (icon && icon.getAttribute('href') !== href) icon.setAttribute('href', href);
  }, [status?.sync.running, status?.sync.done, status?.sync.total, status?.source, status?.unlocked]);
}

export function App() {
  const status = useStatus();
  const [view, setView] = useState<View>('passwords');
  const live = status && status !== 'gone' ? status : null;
  useTabState(live);
  const [bump, setBump] = useState(0);
  const offline = live?.source === 'offline';
  const releases = useReleases(offline, (live?.generation ?? 0) * 1000 + bump, live?.unlocked === true);
  const pending = releases.data?.pending ?? 0;

  if (status === 'gone') {
    return (
      <main class="center">
        <h1>Safehold</h1>
        <p role="alert">The Safehold UI process stopped. Run <code>safehold ui</code> again for a fresh link.</p>
      </main>
    );
  }
  if (!live) return <main class="center" aria-busy="true"><p>Loading…</p></main>;
  return (
    <div class="shell">
      {live.unlocked ? (
        <>
          <header class="top">
            <span class="brand">Safehold</span>
            <nav aria-label="Main">
              {VIEWS.map((v) => (
                <button key={v.view} type="button" class={view === v.view ? 'tab active' : 'tab'} aria-current={view === v.view ? 'page' : undefined} onClick={() => setView(v.view)}>
                  {v.label}
                  {v.view === 'releases' && pending > 0 ? <span class="badge pending"> {pending} pending</span> : null}
                </button>
              ))}
            </nav>
            <span class="who">
              {live.account?.user} · {live.account?.db ?? 'no database'} · {live.account?.server}
            </span>
            <button type="button" class="secondary" onClick={() => void call('POST', '/lock').then(() => setView('passwords'))}>
              Lock
            </button>
          </header>
          <main class="content">
            {view === 'passwords' ? (
              <Passwords status={live} />
            ) : view === 'roles' ? (
              <Roles offline={offline} generation={live.generation} />
            ) : view === 'releases' ? (
              <ReleasesView offline={offline} list={releases} onChanged={() => setBump((n) => n + 1)} />
            ) : (
              <Account status={live} />
            )}
          </main>
        </>
      ) : (
        <main class="content center-top">
          <Unlock />
        </main>
      )}
      <StatusBar status={live} />
    </div>
  );
}
