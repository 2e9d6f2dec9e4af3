/** Roles (online only): the database's roles with members and key fingerprints; create; add and remove members of the roles this user manages. */
import { useState } from 'preact/hooks';
import { call, type Role } from './api';
import { NEEDS_SERVER, act, useLoad } from './useload';

export function Roles({ offline, generation }: { offline: boolean; generation: number }) {
  const roles = useLoad<{ roles: Role[]; me: string }>(offline ? null : '/roles', [generation]);
  const [name, setName] = useState('');
  const [adding, setAdding] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  const fail = (m: string): void => setNote(m);
  const done = (msg: string) => (): void => {
    setNote(msg);
    roles.reload();
  };
  const me = roles.data?.me;
  return (
    <section class="card" aria-labelledby="roles-title">
      <h2 id="roles-title">Roles</h2>
      {offline ? <p class="hint">Roles need {NEEDS_SERVER}.</p> : null}
      {roles.error ? <p class="error" role="alert">{roles.error}</p> : null}
      <form
        class="inline-form"
        aria-label="Create a role"
        onSubmit={(e) => {
          e.preventDefault();
          act(call('POST', '/roles', { name }), done(`Created role ${name}.`), fail);
        }}
      >
        <label class="grow">
          Role name
          <input type="text" value={name} disabled={offline} required onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={offline}>
          Create role
        </button>
      </form>
      {note ? <p class="note" role="alert">{note}</p> : null}
      {roles.data && roles.data.roles.length === 0 ? <p class="muted">No roles in this database yet.</p> : null}
      {(roles.data?.roles ?? []).map((r) => {
        const manages = r.creator === me;
        return (
          <article class="panel" key={r.name} aria-label={`Role ${r.name}`}>
            <h3>
              {r.name} <span class="muted">created by {r.creator}</span>
            </h3>
            <p>
              Key fingerprint <code>{r.fingerprint}</code>
            </p>
            <ul class="members" aria-label={`Members of ${r.name}`}>
              {r.members.map((m) => (
                <li key={m}>
                  {m}{' '}
                  {manages && m !== me ? (
                    <button type="button" class="small danger" disabled={offline} onClick={() => act(call('DELETE', `/roles/${encodeURIComponent(r.name)}/members/${encodeURIComponent(m)}`), done(`Removed ${m} from ${r.name}.`), fail)}>
                      Remove {m} from {r.name}
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
            {manages ? (
              <form
                class="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  const user = adding[r.name] ?? '';
                  act(call('POST', `/roles/${encodeURIComponent(r.name)}/members`, { user }), () => {
                    setAdding({ ...adding, [r.name]: '' });
                    done(`Added ${user} to ${r.name}.`)();
                  }, fail);
                }}
              >
                <label class="grow">
                  New member of {r.name}
                  <input type="text" value={adding[r.name] ?? ''} disabled={offline} required onInput={(e) => setAdding({ ...adding, [r.name]: (e.target as HTMLInputElement).value })} />
                </label>
                <button type="submit" disabled={offline}>
                  Add member to {r.name}
                </button>
              </form>
            ) : (
              <p class="hint">Only its creator ({r.creator}) manages the members of this role.</p>
            )}
          </article>
        );
      })}
    </section>
  );
}
