/** The password module: search box, tag filter (online only, R11), the virtualised list, a record's detail and the editor. */
import { useEffect, useState } from 'preact/hooks';
import { call, messageOf, type Detail, type Row, type Status } from './api';
import { VirtualList } from './vlist';
import { Editor } from './editor';

interface ListAnswer {
  records: Row[];
  source: 'server' | 'offline';
  tags: string[];
}

type Mode = { kind: 'view' } | { kind: 'new' } | { kind: 'edit'; detail: Detail };

export function Passwords({ status }: { status: Status }) {
  const [q, setQ] = useState('');
  const [tag, setTag] = useState('');
  const [list, setList] = useState<ListAnswer | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const offline = status.source === 'offline';
  // Offline, the record forms stay enabled only where the lease allows offline edits (E5).
  const readOnly = offline && !status.offlineEdits;

  useEffect(() => {
    if (offline) setTag('');
  }, [offline]);
  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      const p = new URLSearchParams();
      if (q) p.set('q', q);
      if (tag && !offline) p.set('tag', tag);
      call<ListAnswer>('GET', `/records?${p.toString()}`)
        .then((r) => {
          if (stale) return;
          setList(r);
          setListError(null);
        })
        .catch((e: unknown) => {
          if (stale) return;
          setList(null);
          setListError(messageOf(e));
        });
    }, 120);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [q, tag, offline, status.generation]);

  return (
    <div class="module">
      <section class="listpane" aria-label="Records">
        <div class="toolbar">
          <label class="grow">
            Search
            <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} placeholder="name, user, URL, tag, notes" />
          </label>
          <div class="field">
            <label for="tag-filter">Tag</label>
            <select id="tag-filter" value={tag} disabled={offline} onChange={(e) => setTag((e.target as HTMLSelectElement).value)} title={offline ? 'The tag filter needs the server' : undefined}>
              <option value="">All</option>
              {(list?.tags ?? []).map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <button type="button" disabled={readOnly} onClick={() => setMode({ kind: 'new' })}>
            New record
          </button>
        </div>
        {readOnly ? <p class="hint">Offline: records and search only. Saving, deleting, the tag filter and history need the server.</p> : null}
        {offline && !readOnly ? <p class="hint">Offline: changes are kept in the offline database and sent at the next sync. The tag filter and history need the server.</p> : null}
        {listError ? <p class="error" role="alert">{listError}</p> : null}
        <p class="count">{list ? `${list.records.length} record${list.records.length === 1 ? '' : 's'}` : listError ? '' : 'Loading…'}</p>
        {list ? (
          <VirtualList
            items={list.records}
            rowHeight={58}
            label="Records"
            keyOf={(r) => r.id}
            render={(r) => (
              <button
                type="button"
                class={r.id === selected ? 'row selected' : 'row'}
                aria-current={r.id === selected ? 'true' : undefined}
                onClick={() => {
                  setSelected(r.id);
                  setMode({ kind: 'view' });
                }}
              >
                <span class="rname">
                  {r.name}
                  {r.masked ? <span class="badge masked">masked</span> : null}
                  {r.sealed ? <span class="badge sealed">sealed</span> : null}
                </span>
                <span class="rsub">
                  {r.username}
                  {r.url ? ` · ${r.url}` : ''}
                  {r.tags.length ? ` · ${r.tags.join(', ')}` : ''}
                </span>
              </button>
            )}
          />
        ) : null}
      </section>
      <section class="detailpane" aria-label="Record">
        {mode.kind === 'new' ? (
          <Editor
            detail={null}
            offline={readOnly}
            onDone={(id) => {
              setMode({ kind: 'view' });
              if (id) setSelected(id);
            }}
          />
        ) : mode.kind === 'edit' ? (
          <Editor detail={mode.detail} offline={readOnly} onDone={() => setMode({ kind: 'view' })} />
        ) : selected ? (
          <RecordDetail
            id={selected}
            generation={status.generation}
            offline={readOnly}
            onEdit={(d) => setMode({ kind: 'edit', detail: d })}
            onDeleted={() => setSelected(null)}
          />
        ) : (
          <p class="muted">Pick a record to see it.</p>
        )}
      </section>
    </div>
  );
}

function RecordDetail({ id, generation, offline, onEdit, onDeleted }: { id: string; generation: number; offline: boolean; onEdit: (d: Detail) => void; onDeleted: () => void }) {
  const [d, setD] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    setRevealed(null);
    setNote(null);
  }, [id]);
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
  }, [id, generation]);

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
          {revealed !== null ? <code class="secret">{revealed}</code> : <span aria-label="hidden password">••••••••••</span>}
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
          <button type="button" class="secondary" onClick={revealed === null ? reveal : () => setRevealed(null)}>
            {revealed === null ? 'Reveal password' : 'Hide password'}
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
      {d.history.length > 0 ? (
        <details>
          <summary>History ({d.history.length})</summary>
          <ol class="history">
            {d.history.map((h) => (
              <li key={h.revision}>
                {h.updatedAt} · {h.updatedBy} · {h.name}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </article>
  );
}
