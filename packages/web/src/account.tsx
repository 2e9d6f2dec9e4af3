/** The seeds' "Main menu / Account": offline status, the manual sync (also the first, R3), the settings (R8, R9), this device's offline databases. */
import { useEffect, useState } from 'preact/hooks';
import { call, messageOf, type Status } from './api';

interface OfflineStatus {
  db: string;
  enabled: boolean;
  right: boolean;
  offlineDays: number;
  lastSync: string | null;
  expiresAt: string | null;
  path: string;
  records: number;
  settings: { afterSave: boolean; afterLogin: boolean; intervalMinutes: number; path: string };
  exists: boolean;
  wiped: { reason: string; at: string; why: string } | null;
  source: 'server' | 'local';
}

interface Answer {
  status: OfflineStatus;
  databases: Array<{ server: string; db: string; user: string; path: string; lastSync: string | null; expiresAt: string | null; records: number }>;
  idleLockMinutes: number;
}

export function Account({ status }: { status: Status }) {
  const [a, setA] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [form, setForm] = useState<{ afterSave: boolean; afterLogin: boolean; interval: string; path: string; idle: string } | null>(null);
  const offline = status.source === 'offline';

  const load = (): void => {
    call<Answer>('GET', '/offline')
      .then((r) => {
        setA(r);
        setError(null);
        setForm((f) => f ?? { afterSave: r.status.settings.afterSave, afterLogin: r.status.settings.afterLogin, interval: String(r.status.settings.intervalMinutes), path: r.status.settings.path, idle: String(r.idleLockMinutes) });
      })
      .catch((e: unknown) => setError(messageOf(e)));
  };
  useEffect(load, [status.generation, offline]);

  const syncNow = (): void => {
    setNote(null);
    call('POST', '/offline/sync').catch((e: unknown) => setNote(messageOf(e)));
  };
  const save = (ev: Event): void => {
    ev.preventDefault();
    if (!form) return;
    setNote(null);
    call('POST', '/offline/settings', { afterSave: form.afterSave, afterLogin: form.afterLogin, intervalMinutes: form.interval, path: form.path, idleLockMinutes: Number(form.idle) })
      .then(() => {
        setNote('Settings saved.');
        load();
      })
      .catch((e: unknown) => setNote(messageOf(e)));
  };
  const remove = (db: string): void => {
    if (!window.confirm(`Remove the offline database of ${db} from this device?`)) return;
    call('POST', '/offline/remove', { db })
      .then(load)
      .catch((e: unknown) => setNote(messageOf(e)));
  };

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!a || !form) return <p class="muted">Loading…</p>;
  const s = a.status;
  return (
    <div class="account">
      <section class="card" aria-labelledby="offline-title">
        <h2 id="offline-title">Offline use of {s.db}</h2>
        <dl class="fields">
          <dt>Enabled for the database</dt>
          <dd>{s.enabled ? 'yes' : 'no (an admin enables it)'}</dd>
          <dt>Your offline right</dt>
          <dd>{s.right ? `granted, ${s.offlineDays} days without a server contact` : 'missing'}</dd>
          <dt>Last sync</dt>
          <dd>{s.lastSync ?? 'never'}</dd>
          <dt>Expires</dt>
          <dd>{s.expiresAt ?? '—'}</dd>
          <dt>Records</dt>
          <dd>{s.exists ? s.records : s.wiped ? `wiped on ${s.wiped.at}: ${s.wiped.why}` : 'none yet: the first sync is started here, by hand'}</dd>
          <dt>Path</dt>
          <dd>
            <code>{s.path}</code>
          </dd>
        </dl>
        <div class="actions">
          <button type="button" disabled={offline || status.sync.running} onClick={syncNow}>
            Synchronise offline now
          </button>
        </div>
        {offline ? <p class="hint">Synchronising needs the server.</p> : null}
        {note ? <p class="note" role="alert">{note}</p> : null}
      </section>
      <form class="card" onSubmit={save} aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <label class="check">
          <input type="checkbox" checked={form.afterSave} onChange={(e) => setForm({ ...form, afterSave: (e.target as HTMLInputElement).checked })} />
          Sync after saving a record
        </label>
        <label class="check">
          <input type="checkbox" checked={form.afterLogin} onChange={(e) => setForm({ ...form, afterLogin: (e.target as HTMLInputElement).checked })} />
          Sync after login
        </label>
        <label>
          Sync interval (minutes)
          <input type="number" min={1} value={form.interval} onInput={(e) => setForm({ ...form, interval: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Offline database path
          <input type="text" value={form.path} onInput={(e) => setForm({ ...form, path: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Lock after idle (minutes)
          <input type="number" min={1} max={1440} value={form.idle} onInput={(e) => setForm({ ...form, idle: (e.target as HTMLInputElement).value })} />
        </label>
        <div class="actions">
          <button type="submit">Save settings</button>
        </div>
      </form>
      <section class="card" aria-labelledby="dbs-title">
        <h2 id="dbs-title">Offline databases on this device</h2>
        {a.databases.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Database</th>
                <th scope="col">User</th>
                <th scope="col">Server</th>
                <th scope="col">Records</th>
                <th scope="col">Last sync</th>
                <th scope="col">
                  <span class="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {a.databases.map((d) => (
                <tr key={d.path}>
                  <td>{d.db}</td>
                  <td>{d.user}</td>
                  <td>{d.server}</td>
                  <td>{d.records}</td>
                  <td>{d.lastSync ?? 'never'}</td>
                  <td>
                    {status.account && d.server === status.account.server && d.user === status.account.user ? (
                      <button type="button" class="danger small" aria-label={`Remove the offline database of ${d.db}`} onClick={() => remove(d.db)}>
                        Remove
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
