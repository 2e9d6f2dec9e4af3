/**
 * One simulated client of the load-with-a-fault campaign (issue 17): a device of a user that loops over
 * a seeded mix of offline syncs (no-change or delta), record creations and edits of its own records,
 * over raw HTTP (the server treats records as opaque ciphertext, so no client crypto is needed). A
 * request that fails (connection refused or reset, a 5xx) is counted and retried, on the other server
 * when there are two. It keeps what every cursor showed it, to find duplicates and gaps afterwards.
 */
import { b64, newId } from '@safehold/testkit';

export interface Servers {
  /** The live base URLs; a restarted server's new URL replaces its old one. */
  urls: string[];
}

export interface ClientStats {
  errors: number;
  syncs: number;
  creates: number;
  edits: number;
  /** A record sent twice with the same revision to one cursor (within deltas). */
  duplicates: number;
}

/** What this client's cursor showed it: record id -> revision. */
export type Seen = Map<string, string>;

/** A request path's route, without ids and query: "sync", "create", "edit", "read". */
function routeName(path: string): string {
  if (path.includes('/offline/changes')) return 'sync';
  return /\/records\/[^/?]+/.test(path) ? 'record' : 'records';
}

export class LoadClient {
  cursor = '0';
  readonly seen: Seen = new Map();
  /** Acknowledged writes of this client: record id -> latest acknowledged revision. */
  readonly acked = new Map<string, string>();
  readonly stats: ClientStats = { errors: 0, syncs: 0, creates: 0, edits: 0, duplicates: 0 };
  /** Failed attempts by kind (an HTTP status, or the network error's code) and route. */
  readonly failures = new Map<string, number>();
  /** The slowest attempt's time in ms, answered or not, per route ("GET sync", "POST create", ...). */
  readonly slowest = new Map<string, number>();
  private pick: number;

  constructor(
    private readonly servers: Servers,
    private readonly token: string,
    index: number,
  ) {
    this.pick = index % servers.urls.length;
  }

  /** One request, retried (on the next server) until it gets an answer below 500; 4xx answers are returned. */
  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const route = `${method} ${routeName(path)}`;
    for (let attempt = 0; ; attempt++) {
      const url = this.servers.urls[this.pick % this.servers.urls.length] as string;
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        this.took(route, t0);
        if (res.status < 500) return { status: res.status, json: text ? JSON.parse(text) : null };
        this.note(`http ${res.status} ${(/"code":"([a-z_]+)"/.exec(text) ?? [])[1] ?? ''} ${route}`);
      } catch (e) {
        this.took(route, t0);
        const cause = (e as { cause?: { code?: string } }).cause;
        this.note(`${cause?.code ?? (e as Error).name} ${route}`);
      }
      this.stats.errors++;
      this.pick++;
      if (attempt > 200) throw new Error(`${method} ${path}: no server answered after ${attempt} attempts`);
      await new Promise((r) => setTimeout(r, 20 + attempt * 10));
    }
  }

  private took(route: string, t0: number): void {
    const ms = Math.round(performance.now() - t0);
    if (ms > (this.slowest.get(route) ?? -1)) this.slowest.set(route, ms);
  }

  private note(kind: string): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }

  /** Syncs to the end of the change log (paging), recording what the cursor shows. */
  async sync(): Promise<void> {
    this.stats.syncs++;
    for (;;) {
      const r = await this.call('GET', `/v1/db/main/offline/changes?cursor=${encodeURIComponent(this.cursor)}&limit=200`);
      if (r.status !== 200) throw new Error(`sync answered ${r.status}: ${JSON.stringify(r.json).slice(0, 200)}`);
      const page = r.json as { kind: string; reset: boolean; records: Array<{ id: string; revision: string }>; removed: string[]; cursor: string; hasMore: boolean };
      if (page.kind !== 'changes') throw new Error(`sync answered ${page.kind}`);
      if (page.reset && this.cursor === '0') this.seen.clear();
      for (const rec of page.records) {
        if (!page.reset && this.seen.get(rec.id) === rec.revision) this.stats.duplicates++;
        this.seen.set(rec.id, rec.revision);
      }
      for (const id of page.removed) this.seen.delete(id);
      this.cursor = page.cursor;
      if (!page.hasMore) return;
    }
  }

  async create(): Promise<void> {
    const body = { id: newId(), revision: newId(), header: b64(40), secret: b64(40), keys: { header: b64(60), secret: b64(60) } };
    const r = await this.call('POST', '/v1/db/main/records', body);
    // A retried creation whose first attempt did commit answers 409: it is there, with that revision.
    if (r.status === 200 || r.status === 409) this.acked.set(body.id, body.revision);
    else throw new Error(`create answered ${r.status}: ${JSON.stringify(r.json).slice(0, 200)}`);
    this.stats.creates++;
  }

  async edit(pickIndex: number): Promise<void> {
    const ids = [...this.acked.keys()];
    const id = ids[pickIndex % ids.length];
    if (id === undefined) return this.create();
    const body = { baseRevision: this.acked.get(id) as string, revision: newId(), header: b64(40), secret: b64(40) };
    const r = await this.call('PUT', `/v1/db/main/records/${id}`, body);
    if (r.status === 200) this.acked.set(id, body.revision);
    else if (r.status === 409) {
      // The first attempt committed and its answer was lost: the record is at our revision or still at the base.
      const now = await this.call('GET', `/v1/db/main/records/${id}`);
      const rev = (now.json as { revision?: string }).revision;
      if (rev === body.revision) this.acked.set(id, body.revision);
      else if (rev !== body.baseRevision) throw new Error(`edit of ${id}: the record is at an unknown revision`);
    } else throw new Error(`edit answered ${r.status}: ${JSON.stringify(r.json).slice(0, 200)}`);
    this.stats.edits++;
  }
}
