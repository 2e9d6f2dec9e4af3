/**
 * Which records belong in a user's offline database, and what a delta sync does with each one.
 * R4: every record on which the user holds `export` (directly, through a role, or as its creator);
 * R5: never a sealed record; E4: a record that leaves that set is removed at the next sync.
 * "Removed" only ever names ids the device was given (its held set), so a sync never leaks an id.
 */
import type { Right } from '@safehold/protocol/api';

/** The facts about one record, as of now, that decide its offline eligibility for one user. */
export interface EligibilityFacts {
  rights: readonly Right[];
  sealed: boolean;
  deleted: boolean;
}

/** R4/R5/E4: eligible iff the user holds export and the record is neither sealed nor deleted. */
export function isOfflineEligible(f: EligibilityFacts): boolean {
  return !f.deleted && !f.sealed && f.rights.includes('export');
}

export type DeltaAction = 'send' | 'remove' | 'skip';

/**
 * The per-record decision of a delta: eligible now -> send (current state, whether new or updated);
 * not eligible and held by the device -> remove; otherwise nothing (never name an id the user was not given).
 */
export function decideDelta(eligibleNow: boolean, heldByDevice: boolean): DeltaAction {
  if (eligibleNow) return 'send';
  return heldByDevice ? 'remove' : 'skip';
}

export interface DeltaItem {
  id: string;
  eligible: boolean;
  /** In the device's held set now (decides added or updated). */
  held: boolean;
  /**
   * The device may still hold it: held, or removed by a page whose answer may have been lost (see
   * `mayStillHold`). Decides a removal; defaults to `held`.
   */
  removable?: boolean;
}

/** The outcome of a page: ids to send (with how many were new to the device) and ids to remove, in input order. */
export interface DeltaPlan {
  send: string[];
  remove: string[];
  /** Sent and not held before. */
  added: number;
  /** Sent and held before. */
  updated: number;
}

/** Applies decideDelta to every affected record of a page (duplicates count once). */
export function planDelta(items: Iterable<DeltaItem>): DeltaPlan {
  const plan: DeltaPlan = { send: [], remove: [], added: 0, updated: 0 };
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.id)) continue;
    seen.add(it.id);
    const action = decideDelta(it.eligible, it.removable ?? it.held);
    if (action === 'send') {
      plan.send.push(it.id);
      if (it.held) plan.updated++;
      else plan.added++;
    } else if (action === 'remove') {
      plan.remove.push(it.id);
    }
  }
  return plan;
}
