/**
 * The in-memory reference model of the offline sync protocol (docs/adr/0060-sync-core.md): records,
 * grants, roles, seals and deletes with the change log the real server writes for them, and a server
 * answering sync pages through the same pure core (decidePage, walkDelta, planDelta) over maps instead
 * of tables. Test support (testkit): the property tests, the SDK's fake HTTP server and the server specs'
 * client use it; product code never does.
 */
import type { Right } from '@safehold/protocol/api';
import {
  decidePage,
  formatCursor,
  isOfflineEligible,
  mayStillHold,
  parseCursor,
  planDelta,
  planReset,
  positionOf,
  resetStep,
  unionRights,
  walkDelta,
  type ChangeKind,
  type ChangeReader,
  type ChangeRow,
  type RoleChange,
} from '@safehold/domain';

export interface ModelRecord<P> {
  id: string;
  creator: string;
  revision: string;
  sealed: boolean;
  deleted: boolean;
  /** The seq of the last change that named this record. */
  changeSeq: number;
  payload: P;
}

/** A record as a page carries it. */
export interface ModelWire<P> {
  id: string;
  revision: string;
  payload: P;
}

/** One answer of the model's sync endpoint (the `changes` kind of SyncResponse, without the lease). */
export interface ModelPage<P> {
  reset: boolean;
  records: Array<ModelWire<P>>;
  removed: string[];
  cursor: string;
  hasMore: boolean;
  total: number | null;
}

export type Holder = { user: string } | { role: string };

const holderKey = (h: Holder) => ('user' in h ? `u:${h.user}` : `r:${h.role}`);

/** What the server keeps about one offline device. */
interface DeviceState {
  user: string;
  held: Set<string>;
  /** Removed ids, with the position (positionOf) of the end of the page that removed them. */
  gone: Map<string, number>;
  /** Every id ever sent to the device (an answer lost on the way still counts: the server cannot know). */
  given: Set<string>;
}

/** The same walk limits as the server's, smaller batches so that the model walks several of them. */
const BATCH = 7;
const MAX_CHANGES = 20_000;

export class ProtocolModel<P = null> {
  seq = 0;
  private horizon = 0;
  readonly records = new Map<string, ModelRecord<P>>();
  /** record id -> holder key -> rights. */
  private readonly grants = new Map<string, Map<string, Right[]>>();
  private readonly roles = new Map<string, Set<string>>();
  private readonly log: ChangeRow[] = [];
  private readonly devices = new Map<string, DeviceState>();
  private revs = 0;

  private change(kind: ChangeKind, c: { recordId?: string; roleId?: string; userId?: string }): void {
    this.seq++;
    this.log.push({ seq: this.seq, kind, recordId: c.recordId ?? null, roleId: c.roleId ?? null, userId: c.userId ?? null });
    const r = c.recordId === undefined ? undefined : this.records.get(c.recordId);
    if (r) r.changeSeq = this.seq;
  }

  private rec(id: string): ModelRecord<P> {
    const r = this.records.get(id);
    if (!r) throw new Error(`model: no record ${id}`);
    return r;
  }

  /** Creates (or, for a known id, updates) a record. */
  put(id: string, creator: string, payload: P, revision?: string): void {
    const r = this.records.get(id);
    const rev = revision ?? `rev${++this.revs}`;
    if (r && !r.deleted) {
      r.revision = rev;
      r.payload = payload;
      this.change('record_updated', { recordId: id });
      return;
    }
    this.records.set(id, { id, creator, revision: rev, sealed: false, deleted: false, changeSeq: 0, payload });
    this.change('record_created', { recordId: id });
  }

  update(id: string, payload?: P): void {
    const r = this.rec(id);
    this.put(id, r.creator, payload ?? r.payload);
  }

  delete(id: string): void {
    this.rec(id).deleted = true;
    this.change('record_deleted', { recordId: id });
  }

  /** Sets the holder's rights on the record (an empty list revokes the grant). */
  grant(id: string, holder: Holder, rights: readonly Right[]): void {
    this.rec(id);
    const g = this.grants.get(id) ?? new Map<string, Right[]>();
    if (rights.length === 0) g.delete(holderKey(holder));
    else g.set(holderKey(holder), [...rights]);
    this.grants.set(id, g);
    this.change('grant_changed', { recordId: id });
  }

  seal(id: string, sealed: boolean): void {
    this.rec(id).sealed = sealed;
    this.change(sealed ? 'seal_set' : 'seal_lifted', { recordId: id });
  }

  addMember(role: string, user: string): void {
    const m = this.roles.get(role) ?? new Set<string>();
    m.add(user);
    this.roles.set(role, m);
    this.change('role_member_added', { roleId: role, userId: user });
  }

  removeMember(role: string, user: string): void {
    this.roles.get(role)?.delete(user);
    this.change('role_member_removed', { roleId: role, userId: user });
  }

  /** Prunes the whole change log (as after a long offline time): every older delta cursor gets a reset. */
  pruneAll(): void {
    this.horizon = this.seq;
    this.log.length = 0;
  }

  /** R4/R5/E4, straight from the state: the ids `user` may hold offline now. */
  eligibleIds(user: string): string[] {
    return [...this.records.values()].filter((r) => this.eligible(user, r)).map((r) => r.id).sort();
  }

  private eligible(user: string, r: ModelRecord<P>): boolean {
    const g = this.grants.get(r.id);
    const viaRoles = [...this.roles].filter(([, m]) => m.has(user)).map(([role]) => g?.get(`r:${role}`) ?? []);
    const rights = unionRights({ isCreator: r.creator === user, direct: g?.get(`u:${user}`) ?? null, viaRoles });
    return isOfflineEligible({ rights, sealed: r.sealed, deleted: r.deleted });
  }

  /** Every id the server ever sent to the device. */
  givenTo(device: string): ReadonlySet<string> {
    return this.devices.get(device)?.given ?? new Set();
  }

  private reader(dev: DeviceState, from: number): ChangeReader {
    const mayHold = (id: string) => dev.held.has(id) || mayStillHold(dev.gone.get(id), from);
    return {
      changesAfter: async (seq, n) => this.log.filter((c) => c.seq > seq).slice(0, n),
      roleRecords: async (ch: RoleChange, after, n) => {
        const ids = [...this.grants]
          .filter(([id, g]) => {
            const rights = g.get(`r:${ch.roleId}`);
            if (rights === undefined || id <= after) return false;
            return ch.kind === 'role_member_added' ? rights.includes('export') : mayHold(id);
          })
          .map(([id]) => id)
          .sort();
        return ids.slice(0, n);
      },
    };
  }

  /** One sync page for `device` of `user` (the device row is created by its first page, like the server's). */
  async page(user: string, device: string, cursorText: string | null, limit: number): Promise<ModelPage<P>> {
    const cursor = parseCursor(cursorText);
    const dev = this.devices.get(device);
    const kind = await decidePage({ cursor, dbSeq: this.seq, holds: dev !== undefined, horizon: () => this.horizon });
    if (kind.kind === 'nochange') return { reset: false, records: [], removed: [], cursor: formatCursor(cursor), hasMore: false, total: null };
    const d = dev ?? { user, held: new Set<string>(), gone: new Map<string, number>(), given: new Set<string>() };
    this.devices.set(device, d);
    if (kind.kind === 'reset') {
      const snapshot = [...this.records.values()]
        .filter((r) => r.changeSeq <= kind.snapshotSeq && this.eligible(user, r))
        .map((r) => r.id)
        .sort();
      const total = kind.after === '' ? snapshot.length : kind.total;
      const step = resetStep({ snapshotSeq: kind.snapshotSeq, total }, snapshot.filter((id) => id > kind.after).slice(0, limit + 1), limit);
      this.write(d, planReset(step.ids, d.held).send, []);
      return { reset: true, records: this.wires(step.ids), removed: [], cursor: formatCursor(step.next), hasMore: step.hasMore, total };
    }
    const from = positionOf(kind.cursor, 'request');
    const w = await walkDelta(this.reader(d, from), { cursor: kind.cursor, dbSeq: this.seq, userId: user }, { limit, batch: BATCH, maxChanges: MAX_CHANGES });
    const plan = planDelta(w.affected.map((id) => {
      const r = this.records.get(id);
      return { id, eligible: r !== undefined && this.eligible(user, r), held: d.held.has(id), removable: d.held.has(id) || mayStillHold(d.gone.get(id), from) };
    }));
    this.write(d, plan.send, plan.remove, positionOf(w.next, 'end'));
    return { reset: false, records: this.wires(plan.send), removed: plan.remove, cursor: formatCursor(w.next), hasMore: w.hasMore, total: null };
  }

  private write(d: DeviceState, sent: readonly string[], removed: readonly string[], end = 0): void {
    for (const id of sent) {
      d.held.add(id);
      d.given.add(id);
    }
    for (const id of removed) {
      d.held.delete(id);
      d.gone.set(id, end);
    }
  }

  private wires(ids: readonly string[]): Array<ModelWire<P>> {
    return ids.map((id) => {
      const r = this.rec(id);
      return { id, revision: r.revision, payload: r.payload };
    });
  }
}
