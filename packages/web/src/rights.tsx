/**
 * A record's rights (online only): the grants per user and role with their key fingerprints; grant
 * (replaces the grantee's rights, as `safehold share`), remove; a changed key is refused until the user
 * compares the fingerprints and trusts the new one (as `safehold trust USER --fingerprint FP`).
 */
import { useState } from 'preact/hooks';
import { ApiError, RIGHTS, call, type Rights } from './api';
import { NEEDS_SERVER, act, useLoad } from './useload';

type Kind = 'user' | 'role';

function who(g: Rights['grants'][number]): { kind: Kind; name: string } {
  return 'user' in g ? { kind: 'user', name: g.user } : { kind: 'role', name: g.role };
}

export function RightsPanel({ id, offline, generation, canAuthorize, onChanged }: { id: string; offline: boolean; generation: number; canAuthorize: boolean; onChanged: () => void }) {
  const rights = useLoad<Rights>(offline ? null : `/records/${encodeURIComponent(id)}/rights`, [generation]);
  const [kind, setKind] = useState<Kind>('user');
  const [grantee, setGrantee] = useState('');
  const [chosen, setChosen] = useState<string[]>(['read']);
  const [note, setNote] = useState<string | null>(null);
  const [compare, setCompare] = useState<{ kind: Kind; name: string } | null>(null);
  const disabled = offline || !canAuthorize;

  const done = (msg: string) => () => {
    setNote(msg);
    rights.reload();
    onChanged();
  };
  const fail = (msg: string, e: unknown): void => {
    setNote(msg);
    // A changed key: offer the comparison (nothing is shared with an unverified key).
    if (e instanceof ApiError && e.reason === 'key_changed' && kind === 'user') setCompare({ kind, name: grantee });
    // A role key that changed or whose creator's signature does not verify (12.2): the same comparison.
    if (e instanceof ApiError && (e.reason === 'role_key_changed' || e.reason === 'role_key_unverified') && kind === 'role') setCompare({ kind, name: grantee });
  };
  const grant = (ev: Event): void => {
    ev.preventDefault();
    setNote(null);
    act(call('PUT', `/records/${encodeURIComponent(id)}/rights`, { [kind]: grantee, rights: chosen }), done(`Granted ${chosen.join(', ')} to ${kind} ${grantee}.`), fail);
  };
  const remove = (k: Kind, name: string): void => {
    setNote(null);
    act(call('DELETE', `/records/${encodeURIComponent(id)}/rights`, { [k]: name }), done(`Removed the grant of ${k} ${name}.`), fail);
  };

  return (
    <section class="panel" aria-labelledby="rights-title">
      <h3 id="rights-title">Rights</h3>
      {offline ? <p class="hint">Sharing needs {NEEDS_SERVER}.</p> : null}
      {rights.error ? <p class="error" role="alert">{rights.error}</p> : null}
      {rights.data ? (
        <table aria-label="Grants">
          <thead>
            <tr>
              <th scope="col">Grantee</th>
              <th scope="col">Rights</th>
              <th scope="col">Key fingerprint</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {rights.data.grants.map((g) => {
              const w = who(g);
              const creator = w.kind === 'user' && w.name === rights.data?.creator;
              return (
                <tr key={`${w.kind}:${w.name}`}>
                  <td>
                    {w.kind} {w.name}
                    {creator ? ' (creator)' : ''}
                  </td>
                  <td>{g.rights.join(', ')}</td>
                  <td>
                    {'user' in g && g.keyChanged ? (
                      <span class="error">
                        key changed{' '}
                        <button type="button" class="small secondary" onClick={() => setCompare({ kind: 'user', name: w.name })}>
                          Compare keys of {w.name}
                        </button>
                      </span>
                    ) : 'user' in g ? (
                      <code class="fp">{g.fingerprint ?? '—'}</code>
                    ) : (
                      <span class="muted">role key (see Roles)</span>
                    )}
                  </td>
                  <td>
                    {creator || !canAuthorize ? null : (
                      <span class="actions">
                        <button
                          type="button"
                          class="small secondary"
                          disabled={disabled}
                          aria-label={`Change grant of ${w.kind} ${w.name}`}
                          onClick={() => {
                            setKind(w.kind);
                            setGrantee(w.name);
                            setChosen(g.rights);
                          }}
                        >
                          Change
                        </button>
                        <button type="button" class="small danger" disabled={disabled} aria-label={`Remove grant of ${w.kind} ${w.name}`} onClick={() => remove(w.kind, w.name)}>
                          Remove
                        </button>
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {compare ? (
        <TrustKey
          kind={compare.kind}
          name={compare.name}
          onDone={(trusted) => {
            setCompare(null);
            if (trusted) done(`Trusted the new key of ${compare.kind === 'role' ? `role ${compare.name}` : compare.name}.`)();
          }}
        />
      ) : null}
      {!offline && !canAuthorize ? <p class="hint">Sharing needs the authorize right on this record.</p> : null}
      {!offline && !canAuthorize ? null : (
        <form class="grant" onSubmit={grant} aria-label="Grant rights">
          <div class="field">
            <label for="grantee-kind">Grantee type</label>
            <select id="grantee-kind" value={kind} disabled={disabled} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Kind)}>
              <option value="user">User</option>
              <option value="role">Role</option>
            </select>
          </div>
          <label>
            Grantee
            <input type="text" value={grantee} disabled={disabled} required onInput={(e) => setGrantee((e.target as HTMLInputElement).value)} />
          </label>
          <fieldset disabled={disabled}>
            <legend>Rights to grant</legend>
            {RIGHTS.map((r) => (
              <label class="check" key={r}>
                <input type="checkbox" checked={chosen.includes(r)} onChange={(e) => setChosen((e.target as HTMLInputElement).checked ? [...chosen, r] : chosen.filter((x) => x !== r))} />
                {r}
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={disabled || chosen.length === 0}>
            Grant
          </button>
        </form>
      )}
      {note ? <p class="note" role="alert">{note}</p> : null}
    </section>
  );
}

interface KeyCompare {
  pinned: string | null;
  current: string;
  changed: boolean;
  /** A role's creator (roles only): the one to compare its fingerprint with. */
  creator?: string;
}

/**
 * The fingerprint pinned for a user's or a role's key beside the one the server sends now; trusting takes the
 * compared one only (as `safehold trust USER --fingerprint FP` / `trust --role ROLE --fingerprint FP`).
 */
function TrustKey({ kind, name, onDone }: { kind: Kind; name: string; onDone: (trusted: boolean) => void }) {
  const k = useLoad<KeyCompare>(`/keys/${kind}/${encodeURIComponent(name)}`, [kind, name]);
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const label = kind === 'role' ? `role ${name}` : name;
  const withWhom = kind === 'role' ? (k.data?.creator ?? 'its creator') : name;
  const trust = (): void => {
    if (!k.data) return;
    act(call('POST', '/trust', { [kind]: name, fingerprint: k.data.current }), () => onDone(true), (m) => setError(m));
  };
  return (
    <div class="trust" role="group" aria-label={`Key of ${label}`}>
      <p>
        <strong>{k.data && k.data.pinned === null ? `The key of ${label} is not verified.` : `The public key of ${label} changed.`}</strong> Compare the
        new fingerprint with {withWhom} through another channel (in person, by phone) before you trust it: until then nothing is shared with this key.
      </p>
      {k.error ? <p class="error" role="alert">{k.error}</p> : null}
      {k.data ? (
        <dl class="fields">
          <dt>Pinned fingerprint</dt>
          <dd><code>{k.data.pinned ?? '—'}</code></dd>
          <dt>Fingerprint now sent</dt>
          <dd><code>{k.data.current}</code></dd>
        </dl>
      ) : null}
      <label class="check">
        <input type="checkbox" checked={checked} onChange={(e) => setChecked((e.target as HTMLInputElement).checked)} />
        I compared this fingerprint with {withWhom}
      </label>
      <div class="actions">
        <button type="button" disabled={!checked || !k.data} onClick={trust}>
          Trust new key
        </button>
        <button type="button" class="secondary" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
    </div>
  );
}
