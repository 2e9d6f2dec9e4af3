/**
 * Masking, the seal and releases of one record (online only): mask / unmask for holders of authorize;
 * seal with approvers, required count and window; lift the seal under the unseal quorum (an approved
 * `unseal` release of this user, issue 12.1); request a release with a reason and see its state and the
 * window left (the secret itself is revealed or copied through the record's own buttons inside it).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, timeLeft, type Release, type Releases, type RecordView } from './api';
import { NEEDS_SERVER, act, useLoad, type Loaded } from './useload';

/** When a release's window closes, by the server's clock (an approval without an end never closes). */
function windowEnd(r: Release): number {
  return r.expiresAt ? Date.parse(r.expiresAt) : Number.POSITIVE_INFINITY;
}

/**
 * A release's state at `now` (the browser's clock, `skew` = server minus browser): an approved release whose
 * window has ended by the clock is expired at once, not only once the next poll says so.
 */
function effectiveStatus(r: Release, skew: number, now: number): Release['status'] {
  return r.status === 'approved' && now + skew >= windowEnd(r) ? 'expired' : r.status;
}

function releaseState(r: Release, skew: number, now: number): string {
  const kind = r.kind === 'unseal' ? 'Unseal request' : 'Release';
  const status = effectiveStatus(r, skew, now);
  if (status === 'approved' && r.expiresAt) return `${kind} approved (${r.approvals}/${r.required}): ${timeLeft(windowEnd(r) - skew, now)} left`;
  if (status === 'expired') return `${kind} expired`;
  if (status === 'approved') return `${kind} approved (${r.approvals}/${r.required})`;
  return `${kind} pending: ${r.approvals} of ${r.required} approvals`;
}

/**
 * The browser's clock, re-read every second while a window is open and exactly at each window's end
 * (`ends`: browser time), so the time left counts down and a window closes on the page when it closes.
 */
function useWindowClock(ends: number[]): number {
  const [now, setNow] = useState(Date.now());
  const key = ends.join(',');
  useEffect(() => {
    if (ends.length === 0) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const at = ends.map((end) => setTimeout(() => setNow(Date.now()), Math.max(0, end - Date.now()) + 1));
    return () => {
      clearInterval(tick);
      at.forEach(clearTimeout);
    };
  }, [key]);
  return now;
}

/** This user's release requests for one sealed record, with the clock their windows are read against. */
export interface MyReleases {
  rel: Loaded<Releases>;
  mine: Release[];
  /** Server clock minus browser clock, from the last read. */
  skew: number;
  /** The browser's clock (re-rendered while a window is open and at its end). */
  now: number;
  /** A read release of this user is open right now: a revealed secret may stay on the page. */
  readOpen: boolean;
}

/**
 * Polls `/releases` every 3 s for a sealed record (online only). A request approved or expired elsewhere, or
 * a window ending by the clock, makes the record be read again through `onChanged` (its secret opens or
 * closes with the window). Called by the record's detail, which hides a revealed secret the moment
 * `readOpen` turns false, in the same render that shows "Release expired".
 */
export function useMyReleases(record: RecordView | null, offline: boolean, generation: number, onChanged: () => void): MyReleases {
  const sealed = record?.sealed === true;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (offline || !sealed) return;
    const t = setInterval(() => setTick((n) => n + 1), 3000);
    return () => clearInterval(t);
  }, [offline, sealed]);
  const rel = useLoad<Releases>(offline || !sealed ? null : '/releases', [generation, sealed, tick], true);
  const skew = useMemo(() => (rel.data ? Date.parse(rel.data.now) - Date.now() : 0), [rel.data]);
  const mine = (rel.data?.releases ?? []).filter((r) => record !== null && r.record === record.id && r.requester === rel.data?.me);
  const ends = mine.filter((r) => r.status === 'approved' && r.expiresAt).map((r) => windowEnd(r) - skew);
  const now = useWindowClock(ends);
  const signature = mine.map((r) => `${r.id}:${effectiveStatus(r, skew, now)}`).join(',');
  const [seen, setSeen] = useState<string | null>(null);
  useEffect(() => {
    if (rel.data === null) return;
    if (seen !== null && seen !== signature) onChanged();
    setSeen(signature);
  }, [signature, rel.data === null]);
  const readOpen = mine.some((r) => r.kind === 'read' && effectiveStatus(r, skew, now) === 'approved');
  return { rel, mine, skew, now, readOpen };
}

export function SealPanel({ record, offline, releases, onChanged }: { record: RecordView; offline: boolean; releases: MyReleases; onChanged: () => void }) {
  const id = record.id;
  const authorize = record.rights.includes('authorize');
  const { rel, mine, skew, now } = releases;
  const [approvers, setApprovers] = useState('');
  const [required, setRequired] = useState('1');
  const [windowMin, setWindowMin] = useState('60');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const fail = (m: string): void => setNote(m);
  const changed = (msg: string) => (): void => {
    setNote(msg);
    rel.reload();
    onChanged();
  };
  const path = `/records/${encodeURIComponent(id)}`;
  const unsealApproved = mine.some((r) => r.kind === 'unseal' && effectiveStatus(r, skew, now) === 'approved');

  return (
    <section class="panel" aria-labelledby="seal-title">
      <h3 id="seal-title">Masking and seal</h3>
      {offline ? <p class="hint">Masking, seals and releases need {NEEDS_SERVER}.</p> : null}
      <div class="actions wrap">
        <button type="button" class="secondary" disabled={offline || !authorize} onClick={() => act(call('POST', `${path}/mask`, { masked: !record.masked }), changed(record.masked ? 'Unmasked.' : 'Masked: readers without authorize can copy, never see the password.'), fail)}>
          {record.masked ? 'Unmask' : 'Mask'}
        </button>
        {!authorize && !offline ? <span class="hint">Masking and sealing need the authorize right.</span> : null}
      </div>
      {record.sealed ? (
        <>
          {rel.error ? <p class="error" role="alert">{rel.error}</p> : null}
          <ul class="releases" aria-label="Your requests for this record">
            {mine.map((r) => (
              <li key={r.id}>
                {releaseState(r, skew, now)}
                {r.reason ? ` · “${r.reason}”` : ''}
              </li>
            ))}
          </ul>
          <form class="inline-form" onSubmit={(e) => e.preventDefault()} aria-label="Release request">
            <label class="grow">
              Reason
              <input type="text" value={reason} disabled={offline} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            </label>
            <button type="button" disabled={offline} onClick={() => act(call('POST', `${path}/releases`, { reason, kind: 'read' }), changed('Release requested: the approvers see it under Releases.'), fail)}>
              Request release
            </button>
            {authorize ? (
              <button type="button" class="secondary" disabled={offline} onClick={() => act(call('POST', `${path}/releases`, { reason, kind: 'unseal' }), changed('Unseal requested: the seal is lifted once the approvers agree.'), fail)}>
                Request unseal
              </button>
            ) : null}
          </form>
          {authorize ? (
            <div class="actions">
              <button type="button" class="danger" disabled={offline || !unsealApproved} onClick={() => act(call('DELETE', `${path}/seal`), changed('Seal lifted.'), fail)}>
                Lift seal
              </button>
              {!unsealApproved && !offline ? <span class="hint">Lifting the seal needs an approved unseal request of yours.</span> : null}
            </div>
          ) : null}
        </>
      ) : (
        <form
          class="sealform"
          aria-label="Seal"
          onSubmit={(e) => {
            e.preventDefault();
            act(call('POST', `${path}/seal`, { approvers, required, windowMinutes: windowMin }), changed('Sealed: its secret now needs an approved release.'), fail);
          }}
        >
          <label>
            Approvers
            <input type="text" value={approvers} disabled={offline || !authorize} placeholder="comma-separated user names" onInput={(e) => setApprovers((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Required approvals
            <input type="number" min={1} value={required} disabled={offline || !authorize} onInput={(e) => setRequired((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Release window (minutes)
            <input type="number" min={1} value={windowMin} disabled={offline || !authorize} onInput={(e) => setWindowMin((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" disabled={offline || !authorize}>
            Seal
          </button>
        </form>
      )}
      {note ? <p class="note" role="alert">{note}</p> : null}
    </section>
  );
}
