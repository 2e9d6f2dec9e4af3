/** A record's detail: fields, copy and reveal (within the rules), edit and delete, and its team sections. */
import { useEffect, useState } from 'preact/hooks';
import { call, messageOf, type Detail } from './api';
import { RightsPanel } from './rights';
import { SealPanel, useMyReleases } from './sealing';
import { HistoryPanel } from './history';

/** `offline`: the record forms are read-only; `serverless`: the server is unreachable (the team sections are disabled). */
export function RecordDetail({ id, generation, offline, serverless, onEdit, onDeleted }: { id: string; generation: number; offline: boolean; serverless: boolean; onEdit: (d: Detail) => void; onDeleted: () => void }) {
  const [local, setLocal] = useState(0);
  const gen = generation * 1000 + local;
  const changed = (): void => setLocal((n) => n + 1);
  const [d, setD] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    setNote(null);
  }, [id]);
  // A revealed secret is hidden again whenever the record is read again (e.g. a release window closed).
  useEffect(() => setRevealed(null), [id, gen]);
  useEffect(() => {
    let stale = false;
    call<Detail>('GET', `/records/${encodeURIComponent(id)}`)
      .then((r) => {
        if (!stale) {
          setD(r);
          setError(null);
        }
      })
      .catch((e: unknown) => {
        if (!stale) {
          setD(null);
          setError(messageOf(e));
        }
      });
    return () => {
      stale = true;
    };
  }, [id, gen]);

  // Called before the early returns (hooks run in the same order every render).
  const record = d && d.record.id === id ? d.record : null;
  const releases = useMyReleases(record, serverless, gen, changed);
  // A sealed record's secret stays on the page only while this user's read release is open by the clock:
  // hidden in the same render that says the release expired, not a poll later.
  const shown = revealed !== null && (record === null || !record.sealed || releases.readOpen) ? revealed : null;
  useEffect(() => {
    if (shown === null && revealed !== null) setRevealed(null);
  }, [shown, revealed]);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!d || d.record.id !== id) return <p class="muted">Loading…</p>;
  const r = d.record;
  const copy = (field: 'password' | 'username'): void => {
    setNote(null);
    call<{ clearAfter: number }>('POST', `/records/${encodeURIComponent(id)}/copy`, { field })
      .then((a) => setNote(`${field === 'password' ? 'Password' : 'Username'} copied to the clipboard (cleared in ${a.clearAfter} s).`))
      .catch((e: unknown) => setNote(messageOf(e)));
  };
  const reveal = (): void => {
    call<{ password: string }>('POST', `/records/${encodeURIComponent(id)}/reveal`)
      .then((a) => setRevealed(a.password))
      .catch((e: unknown) => setNote(messageOf(e)));
  };
  const remove = (): void => {
    if (!window.confirm(`Delete "${r.name}"? It stays in the server's history.`)) return;
    call('DELETE', `/records/${encodeURIComponent(id)}`)
      .then(onDeleted)
      .catch((e: unknown) => setNote(messageOf(e)));
  };
  const canWrite = r.rights.includes('write') && !offline;
  const canDelete = r.rights.includes('delete') && !offline;
  return (
    <article class="card" aria-labelledby="detail-title">
      <h2 id="detail-title">
        {r.name}
        {r.masked ? <span class="badge masked">masked</span> : null}
        {r.sealed ? <span class="badge sealed">sealed</span> : null}
      </h2>
      <dl class="fields">
        <dt>Username</dt>
        <dd>{r.username || '—'}</dd>
        <dt>Password</dt>
        <dd>
          {shown !== null ? <code class="secret">{shown}</code> : <span aria-label="hidden password">••••••••••</span>}
          {r.masked && !d.canReveal && !r.sealed ? <span class="muted"> masked for you: it can be copied, never displayed</span> : null}
          {r.sealed && !d.canCopy ? <span class="muted"> sealed: the secret needs an approved release</span> : null}
        </dd>
        <dt>URL</dt>
        <dd>{r.url || '—'}</dd>
        <dt>Tags</dt>
        <dd>{r.tags.length ? r.tags.join(', ') : '—'}</dd>
        {r.fields.map((f) => (
          <>
            <dt key={`k-${f.name}`}>{f.name}</dt>
            <dd key={`v-${f.name}`}>{f.secret ? '•••••• (secret field)' : f.value}</dd>
          </>
        ))}
        <dt>Notes</dt>
        <dd class="notes">{r.notes || '—'}</dd>
        <dt>Your rights</dt>
        <dd>{r.rights.join(', ') || '—'}</dd>
        <dt>Updated</dt>
        <dd>{r.updatedAt}</dd>
      </dl>
      <div class="actions wrap">
        <button type="button" onClick={() => copy('username')}>
          Copy username
        </button>
        <button type="button" disabled={!d.canCopy} onClick={() => copy('password')}>
          Copy password
        </button>
        {d.canReveal ? (
          <button type="button" class="secondary" onClick={shown === null ? reveal : () => setRevealed(null)}>
            {shown === null ? 'Reveal password' : 'Hide password'}
          </button>
        ) : null}
        <button type="button" class="secondary" disabled={!canWrite} onClick={() => onEdit(d)}>
          Edit
        </button>
        <button type="button" class="danger" disabled={!canDelete} onClick={remove}>
          Delete
        </button>
      </div>
      {offline ? <p class="hint">Editing and deleting need the server.</p> : null}
      {note ? <p class="note" role="alert">{note}</p> : null}
      <SealPanel record={r} offline={serverless} releases={releases} onChanged={changed} />
      <RightsPanel id={id} offline={serverless} generation={gen} canAuthorize={r.rights.includes('authorize')} onChanged={changed} />
      <HistoryPanel id={id} offline={serverless} generation={gen} canReveal={d.canReveal} />
    </article>
  );
}
