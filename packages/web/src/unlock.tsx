/** Sign in / unlock: the accounts of this home, the database where there are several, the master password; add an account. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, messageOf } from './api';

interface AccountItem {
  server: string;
  user: string;
  databases: string[];
  db: string | null;
}

export function Unlock() {
  const [accounts, setAccounts] = useState<AccountItem[] | null>(null);
  const [pick, setPick] = useState(0);
  const [db, setDb] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [adding, setAdding] = useState(false);
  const pwRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    call<{ accounts: AccountItem[] }>('GET', '/accounts')
      .then((r) => {
        setAccounts(r.accounts);
        if (r.accounts.length === 0) setAdding(true);
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, []);
  const current = accounts?.[pick];
  useEffect(() => {
    setDb(current?.db ?? current?.databases[0] ?? '');
    pwRef.current?.focus();
  }, [current?.server, current?.user, adding]);

  async function unlock(ev: Event): Promise<void> {
    ev.preventDefault();
    if (!current) return;
    setBusy(true);
    setError(null);
    try {
      await call('POST', '/unlock', { server: current.server, user: current.user, db: db || null, password });
      setPassword('');
    } catch (e) {
      setError(messageOf(e));
      setPassword('');
      pwRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  if (adding || (accounts && accounts.length === 0)) return <AddAccount onCancel={accounts && accounts.length > 0 ? () => setAdding(false) : null} />;
  return (
    <section class="card narrow" aria-labelledby="unlock-title">
      <h1 id="unlock-title">Unlock Safehold</h1>
      {accounts === null && !error ? <p>Loading accounts…</p> : null}
      {accounts && accounts.length > 0 ? (
        <form onSubmit={(e) => void unlock(e)}>
          {accounts.length > 1 ? (
            <fieldset>
              <legend>Account</legend>
              {accounts.map((a, i) => (
                <label class="radio" key={`${a.server}|${a.user}`}>
                  <input type="radio" name="account" checked={i === pick} onChange={() => setPick(i)} />
                  {a.user} on {a.server}
                </label>
              ))}
            </fieldset>
          ) : (
            <p class="muted">
              {current?.user} on {current?.server}
            </p>
          )}
          {current && current.databases.length > 1 ? (
            <div class="field">
              <label for="unlock-db">Database</label>
              <select id="unlock-db" value={db} onChange={(e) => setDb((e.target as HTMLSelectElement).value)}>
                {current.databases.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <label>
            Master password
            <input ref={pwRef} type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
          </label>
          {error ? <p class="error" role="alert">{error}</p> : null}
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Unlocking…' : 'Unlock'}
            </button>
            <button type="button" class="link" onClick={() => setAdding(true)}>
              Add an account on this device
            </button>
          </div>
        </form>
      ) : null}
      {error && !accounts ? <p class="error" role="alert">{error}</p> : null}
    </section>
  );
}

function AddAccount({ onCancel }: { onCancel: (() => void) | null }) {
  const [server, setServer] = useState('');
  const [user, setUser] = useState('');
  const [invite, setInvite] = useState('');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const val = (f: (v: string) => void) => (e: Event) => f((e.target as HTMLInputElement).value);

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    setError(null);
    if (pw !== pw2) {
      setError('The two master passwords differ.');
      return;
    }
    if (invite && pw.length < 8) {
      setError('Choose a master password of at least 8 characters.');
      return;
    }
    setBusy(true);
    try {
      await call('POST', '/accounts', { server, user, password: pw, ...(invite ? { invite } : {}) });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card narrow" aria-labelledby="add-title">
      <h1 id="add-title">Add an account on this device</h1>
      <p class="muted">With an invite code this is your first registration: the master password you choose here is asked twice. Without one, sign in to an existing account.</p>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Server URL
          <input type="url" value={server} onInput={val(setServer)} placeholder="https://vault.example.com" required />
        </label>
        <label>
          User name
          <input type="text" autocomplete="username" value={user} onInput={val(setUser)} required />
        </label>
        <label>
          Invite code
          <input type="text" value={invite} onInput={val(setInvite)} placeholder="only for a first registration" />
        </label>
        <label>
          New master password
          <input type="password" autocomplete="new-password" value={pw} onInput={val(setPw)} required />
        </label>
        <label>
          Repeat master password
          <input type="password" autocomplete="new-password" value={pw2} onInput={val(setPw2)} required />
        </label>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add account'}
          </button>
          {onCancel ? (
            <button type="button" class="secondary" onClick={onCancel}>
              Cancel
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
