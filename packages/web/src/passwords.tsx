/** The password module: search box, tag filter (online only, R11), the virtualised list, a record's detail and the editor. */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { call, messageOf, type Detail, type Row, type Status } from './api';
import { RecordDetail } from './detail';
import { VirtualList } from './vlist';
import { Editor } from './editor';

interface ListAnswer {
  /** The rows loaded so far (a window from the start: the page asks for more as it scrolls). */
  records: Row[];
  total: number;
  offset: number;
  /** The query this list answers (the benchmarks wait for it), and its parameters. */
  q?: string;
  key?: string;
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
  const params = (query = q, t = tag): URLSearchParams => {
    const p = new URLSearchParams();
    if (query) p.set('q', query);
    if (t && !offline) p.set('tag', t);
    return p;
  };
  // The newest list asked for: an answer to an older one is dropped.
  const latest = useRef(0);
  const load = (query: string, t: string): void => {
    const n = ++latest.current;
    const p = params(query, t);
    call<ListAnswer>('GET', `/records?${p.toString()}`)
      .then((r) => {
        if (latest.current !== n) return;
        setList({ ...r, q: query, key: p.toString() });
        setListError(null);
      })
      .catch((e: unknown) => {
        if (latest.current !== n) return;
        setList(null);
        setListError(messageOf(e));
      });
  };
  // The rest of a windowed answer, as the list scrolls into it (same query; dropped if the query changed).
  const asking = useRef<string | null>(null);
  const more = (upTo: number): void => {
    if (!list || list.records.length >= list.total) return;
    const p = params();
    const key = `${p.toString()}@${list.records.length}`;
    if (asking.current === key) return;
    asking.current = key;
    p.set('offset', String(list.records.length));
    p.set('limit', String(Math.min(5000, upTo - list.records.length + 300)));
    const forKey = list.key;
    call<ListAnswer>('GET', `/records?${p.toString()}`)
      .then((r) => setList((cur) => (cur && cur.key === forKey && cur.records.length === r.offset ? { ...cur, records: [...cur.records, ...r.records], total: r.total } : cur)))
      .catch((e: unknown) => setListError(messageOf(e)))
      .finally(() => {
        if (asking.current === key) asking.current = null;
      });
  };
  // The list again when the tag, the source or the records change (and the first time). A keystroke asks from its
  // input handler, not from here. A layout effect, so the first list is asked for as the module mounts, not a frame later.
  useLayoutEffect(() => {
    load(q, tag);
    return () => {
      latest.current++;
    };
  }, [tag, offline, status.generation]);

  return (
    <div class="module">
      <section class="listpane" aria-label="Records">
        <div class="toolbar">
          <label class="grow">
            Search
            <input
              type="search"
              value={q}
              onInput={(e) => {
                // No debounce: each keystroke asks at once and an answer to an older query is dropped, so the list
                // follows the typing within one round trip (spec §5 `ui_search_p95_ms`).
                const v = (e.target as HTMLInputElement).value;
                setQ(v);
                load(v, tag);
              }} placeholder="name, user, URL, tag, notes" />
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
        <div class="countline">
          <p class="count" data-q={list?.q}>{list ? `${list.total} record${list.total === 1 ? '' : 's'}` : listError ? '' : 'Loading…'}</p>
          <button type="button" class="link small" onClick={() => void call('POST', '/refresh').catch((e: unknown) => setListError(messageOf(e)))}>
            Refresh list
          </button>
        </div>
        {list ? (
          <VirtualList
            items={list.records}
            count={list.total}
            onNeed={more}
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
            serverless={offline}
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
