/**
 * A record's history (online only): every revision with who and when; an old revision's password only
 * through the same reveal rules as the current one (never masked for this user, never sealed without a release).
 */
import { useState } from 'preact/hooks';
import { call, type Revision } from './api';
import { NEEDS_SERVER, act, useLoad } from './useload';

export function HistoryPanel({ id, offline, generation, canReveal }: { id: string; offline: boolean; generation: number; canReveal: boolean }) {
  const h = useLoad<{ revisions: Revision[] }>(offline ? null : `/records/${encodeURIComponent(id)}/history`, [generation]);
  const [shown, setShown] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  const list = h.data?.revisions ?? [];
  const reveal = (rev: string): void => {
    setNote(null);
    act(call<{ password: string }>('POST', `/records/${encodeURIComponent(id)}/history/reveal`, { revision: rev }), (a) => setShown((s) => ({ ...s, [rev]: a.password })), (m) => setNote(m));
  };
  return (
    <section class="panel" aria-labelledby="history-title">
      <h3 id="history-title">History</h3>
      {offline ? <p class="hint">History needs {NEEDS_SERVER}.</p> : null}
      {h.error ? <p class="error" role="alert">{h.error}</p> : null}
      {h.data ? (
        <ol class="history" reversed aria-label="Revisions">
          {list.map((r, i) => (
            <li key={r.revision}>
              <span>
                {r.updatedAt} · {r.updatedBy} · {r.name}
                {r.username ? ` · ${r.username}` : ''}
                {i === 0 ? ' (current)' : ''}
                {r.conflict ? ' (offline conflict)' : ''}
              </span>{' '}
              {shown[r.revision] !== undefined ? (
                <code class="secret">{shown[r.revision]}</code>
              ) : canReveal ? (
                <button type="button" class="small secondary" onClick={() => reveal(r.revision)}>
                  Reveal revision {list.length - i}
                </button>
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
      {h.data && !canReveal ? <p class="hint">Old passwords follow the same rule as the current one: not displayed for this record.</p> : null}
      {note ? <p class="note" role="alert">{note}</p> : null}
    </section>
  );
}
