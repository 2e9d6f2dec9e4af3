/** Add or edit a record, with the password generator; a stale revision is shown as a conflict, never overwritten. */
import { useState } from 'preact/hooks';
import { ApiError, call, messageOf, type Detail, type RecordView } from './api';

const SETS = ['lower', 'upper', 'digits', 'symbols'] as const;

export function Editor({ detail, offline, onDone }: { detail: Detail | null; offline: boolean; onDone: (id: string | null) => void }) {
  const r = detail?.record;
  const [name, setName] = useState(r?.name ?? '');
  const [username, setUsername] = useState(r?.username ?? '');
  const [password, setPassword] = useState('');
  const [url, setUrl] = useState(r?.url ?? '');
  const [notes, setNotes] = useState(r?.notes ?? '');
  const [tags, setTags] = useState((r?.tags ?? []).join(', '));
  const [masked, setMasked] = useState(false);
  const [length, setLength] = useState('20');
  const [sets, setSets] = useState<string[]>([...SETS]);
  const [shown, setShown] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const val = (f: (v: string) => void) => (e: Event) => f((e.target as HTMLInputElement).value);

  const generate = (): void => {
    call<{ password: string }>('POST', '/generate', { length: Number(length), sets })
      .then((a) => setPassword(a.password))
      .catch((e: unknown) => setError(messageOf(e)));
  };

  async function save(ev: Event): Promise<void> {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      name,
      username,
      url,
      notes,
      tags: tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    };
    try {
      if (r) {
        await call<{ record: RecordView }>('PUT', `/records/${encodeURIComponent(r.id)}`, { ...body, baseRevision: r.revision, ...(password ? { password } : {}) });
        onDone(r.id);
      } else {
        const a = await call<{ record: RecordView }>('POST', '/records', { ...body, password, masked });
        onDone(a.record.id);
      }
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'stale_revision' || e.code === 'conflict')) setConflict(true);
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card editor" onSubmit={(e) => void save(e)} aria-labelledby="editor-title">
      <h2 id="editor-title">{r ? `Edit “${r.name}”` : 'New record'}</h2>
      <label>
        Name
        <input type="text" value={name} onInput={val(setName)} required />
      </label>
      <label>
        Username
        <input type="text" value={username} onInput={val(setUsername)} autocomplete="off" />
      </label>
      <label>
        Password
        {shown ? (
          <input type="text" value={password} onInput={val(setPassword)} autocomplete="off" placeholder={r ? 'leave empty to keep the current one' : ''} />
        ) : (
          <input type="password" value={password} onInput={val(setPassword)} autocomplete="new-password" placeholder={r ? 'leave empty to keep the current one' : ''} />
        )}
      </label>
      <div class="generator" role="group" aria-label="Password generator">
        <label class="inline">
          Length
          <input type="number" min={4} max={1024} value={length} onInput={val(setLength)} />
        </label>
        {SETS.map((s) => (
          <label class="check" key={s}>
            <input type="checkbox" checked={sets.includes(s)} onChange={(e) => setSets((e.target as HTMLInputElement).checked ? [...sets, s] : sets.filter((x) => x !== s))} />
            {s}
          </label>
        ))}
        <button type="button" class="secondary" onClick={generate}>
          Generate
        </button>
        <button type="button" class="link" onClick={() => setShown(!shown)} aria-pressed={shown}>
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
      <label>
        URL
        <input type="text" value={url} onInput={val(setUrl)} inputMode="url" />
      </label>
      <label>
        Notes
        <textarea value={notes} onInput={val(setNotes)} rows={3} />
      </label>
      <label>
        Tags
        <input type="text" value={tags} onInput={val(setTags)} placeholder="comma-separated" />
      </label>
      {r ? null : (
        <label class="check">
          <input type="checkbox" checked={masked} onChange={(e) => setMasked((e.target as HTMLInputElement).checked)} />
          Masked (users without the authorize right may copy, never see the password)
        </label>
      )}
      {error ? (
        <p class="error" role="alert">
          {conflict ? 'Conflict: this record was changed elsewhere since you opened it, and nothing was overwritten. ' : ''}
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" disabled={busy || offline}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
