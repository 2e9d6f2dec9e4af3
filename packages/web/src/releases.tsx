/**
 * Releases (online only): the requests this user made or may approve. Approvers approve here (the
 * navigation shows how many wait for them); requesters see the approval state and the window left, and
 * reveal or copy inside it from the record's detail.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, timeLeft, type Releases as List } from './api';
import { NEEDS_SERVER, act, useLoad, type Loaded } from './useload';

/** The release list, re-read every few seconds while online (other users' requests arrive without a reload). */
export function useReleases(offline: boolean, generation: number, unlocked: boolean): Loaded<List> {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (offline || !unlocked) return;
    const t = setInterval(() => setTick((n) => n + 1), 3000);
    return () => clearInterval(t);
  }, [offline, unlocked]);
  return useLoad<List>(offline || !unlocked ? null : '/releases', [generation, tick], true);
}

export function ReleasesView({ offline, list, onChanged }: { offline: boolean; list: Loaded<List>; onChanged: () => void }) {
  const [note, setNote] = useState<string | null>(null);
  const data = list.data;
  const now = data ? Date.parse(data.now) : Date.now();
  return (
    <section class="card" aria-labelledby="releases-title">
      <h2 id="releases-title">Releases</h2>
      {offline ? <p class="hint">Releases need {NEEDS_SERVER}.</p> : null}
      {list.error ? <p class="error" role="alert">{list.error}</p> : null}
      {data && data.releases.length === 0 ? <p class="muted">No release requests.</p> : null}
      {data && data.releases.length > 0 ? (
        <table aria-label="Release requests">
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Requester</th>
              <th scope="col">Kind</th>
              <th scope="col">Reason</th>
              <th scope="col">State</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {data.releases.map((r) => {
              const label = r.recordName ?? r.record;
              const canApprove = r.status === 'pending' && r.requester !== data.me && r.approvers.includes(data.me) && !r.approvedByMe;
              return (
                <tr key={r.id}>
                  <td>{label}</td>
                  <td>{r.requester}</td>
                  <td>{r.kind}</td>
                  <td>{r.reason || '—'}</td>
                  <td>
                    {r.status} ({r.approvals}/{r.required}){r.status === 'approved' && r.expiresAt ? ` · ${timeLeft(r.expiresAt, now)} left` : ''}
                    {r.approvedByMe && r.status === 'pending' ? ' · approved by you' : ''}
                  </td>
                  <td>
                    {canApprove ? (
                      <button type="button" class="small" disabled={offline} onClick={() => act(call('POST', `/releases/${encodeURIComponent(r.id)}/approve`), () => { setNote(`Approved the request of ${r.requester} for ${label}.`); list.reload(); onChanged(); }, (m) => setNote(m))}>
                        Approve request of {r.requester} for {label}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {note ? <p class="note" role="alert">{note}</p> : null}
    </section>
  );
}
