/**
 * Masking, the seal and releases of one record (online only): mask / unmask for holders of authorize;
 * seal with approvers, required count and window; lift the seal under the unseal quorum (an approved
 * `unseal` release of this user, issue 12.1); request a release with a reason and see its state and the
 * window left (the secret itself is revealed or copied through the record's own buttons inside it).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, timeLeft, type Release, type Releases, type RecordView } from './api';
import { NEEDS_SERVER, act, useLoad } from './useload';

/** Re-renders every second while a window is open, so the time left counts down. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function releaseState(r: Release, now: number): string {
  const kind = r.kind === 'unseal' ? 'Unseal request' : 'Release';
  if (r.status === 'approved' && r.expiresAt) return `${kind} approved (${r.approvals}/${r.required}): ${timeLeft(r.expiresAt, now)} left`;
  if (r.status === 'expired') return `${kind} expired`;
  return `${kind} pending: ${r.approvals} of ${r.required} approvals`;
}

export function SealPanel({ record, offline, generation, onChanged }: { record: RecordView; offline: boolean; generation: number; onChanged: () => void }) {
  const id = record.id;
  const authorize = record.rights.includes('authorize');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (offline || !record.sealed) return;
    const t = setInterval(() => setTick((n) => n + 1), 3000);
    return () => clearInterval(t);
  }, [offline, record.sealed]);
  const rel = useLoad<Releases>(offline || !record.sealed ? null : '/releases', [generation, record.sealed, tick], true);
  const mine = (rel.data?.releases ?? []).filter((r) => r.record === id && r.requester === rel.data?.me);
  const open = mine.some((r) => r.status === 'approved');
  const now = useNow(open);
  // A request approved or expired elsewhere: the record is read again (its secret opens or closes with the window).
  const signature = mine.map((r) => `${r.id}:${r.status}`).join(',');
  const [seen, setSeen] = useState<string | null>(null);
  useEffect(() => {
    if (rel.data === null) return;
    if (seen !== null && seen !== signature) onChanged();
    setSeen(signature);
  }, [signature, rel.data === null]);
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
  const unsealApproved = mine.some((r) => r.kind === 'unseal' && r.status === 'approved');

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
                {releaseState(r, now)}
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
