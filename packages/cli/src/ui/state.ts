/**
 * What the local UI process holds: the unlocked account (keys stay here, through the SDK), where records
 * come from (server or offline database), the running sync and its progress, the last result, the server
 * watch (offline fallback within 5 s and back), the interval trigger and the idle lock.
 */
import type { ClientContext, OfflineRecordSource, OfflineSyncResult, RecordView, SafeholdEvents } from '@safehold/sdk';
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import type * as Sdk from '@safehold/sdk';
import type { UiStatus } from '@safehold/protocol/ui';

/** What the status bar shows: one definition with the page's (protocol/ui.ts). */
export type { UiStatus };

export interface UiOptions {
  home: Sdk.Home;
  env: NodeJS.ProcessEnv;
  /** Milliseconds in one "minute" of the interval and idle settings (tests shorten it). */
  minuteMs: number;
  /** Records per page of the UI's syncs (smaller than the CLI's, so the progress bar moves). */
  syncPage: number;
  /** How often the server is probed while unlocked. */
  probeMs: number;
}

const DEFAULT_IDLE_MINUTES = 15;
/** At most this long after an unlock the after-login sync waits for the page's first list. */
const FIRST_LIST_WAIT_MS = 3000;
/** The UI's own settings in the home (the idle lock). */
const UI_SETTINGS_FILE = 'ui-settings.json';

export class UiState {
  ctx: ClientContext | null = null;
  source: 'server' | 'offline' = 'server';
  private offline: OfflineRecordSource | null = null;
  private offlineProblem: string | null = null;
  private records: readonly RecordView[] | null = null;
  /** Bumped whenever the cached list is dropped; a listing started before is neither shared nor kept after it. */
  private epoch = 0;
  private listing: { epoch: number; p: Promise<readonly RecordView[]> } | null = null;
  /**
   * The first list of an online unlock may come from this device's offline copy (ADR 0120): 'unused' until that
   * first list is asked for, then 'done'. `interim` is what the status bar says while that copy is shown.
   */
  private copyFirst: 'unused' | 'done' = 'done';
  private interim: UiStatus['interimList'] = null;
  /** The after-login sync, until the first list of the unlock is served. */
  private afterFirstList: (() => void) | null = null;
  private sync: UiStatus['sync'] = { running: false, trigger: null, done: 0, total: null };
  private last: UiStatus['last'] = null;
  private generation = 0;
  private lastActivity = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private intervalTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private readonly listeners = new Set<() => void>();
  readonly events: SafeholdEvents;

  constructor(
    readonly sdk: typeof Sdk,
    readonly o: UiOptions,
  ) {
    this.events = new sdk.SafeholdEvents();
    this.events.on('progress', (p) => {
      if (p.task !== sdk.SYNC_TASK) return;
      this.sync = { ...this.sync, running: true, done: p.done, total: p.total };
      this.changed();
    });
    this.events.on('notice', (e) => {
      if (e.message.startsWith('offline sync completed')) this.finishSync(true, e.message, null);
    });
    this.events.on('warning', (e) => {
      if (e.message.startsWith('offline sync')) this.finishSync(false, e.message, null);
    });
  }

  /** Called on every change of the status. */
  onChange(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private changed(): void {
    for (const f of this.listeners) f();
  }

  /** A request from the user (not the status stream): resets the idle clock. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  // ---- accounts, unlock, lock ----

  /** The accounts of this home, the last one first. */
  accounts(): Array<{ server: string; user: string; databases: string[]; db: string | null }> {
    const home = this.o.home;
    const last = home.readState().lastAccount;
    const list = home.listAccounts().map((a) => ({ server: a.server, user: a.user, databases: a.databases.map((d) => d.name), db: a.db }));
    list.sort((a, b) => Number(last !== null && b.server === last.server && b.user === last.user) - Number(last !== null && a.server === last.server && a.user === last.user));
    return list;
  }

  /** Unlocks an account of this home with its master password (no server needed), then the after-login sync. */
  async unlock(a: { server: string; user: string; db?: string | null; password: string }): Promise<void> {
    this.lock();
    const ctx = await this.sdk.openSession({
      home: this.o.home,
      server: a.server,
      user: a.user,
      db: a.db ?? null,
      password: async () => a.password,
      events: this.events,
    });
    this.o.home.writeState({ lastAccount: { server: ctx.account.server, user: ctx.account.user } });
    await this.started(ctx, 'after-login');
  }

  /** Adds an account on this device: a first registration with an invite, or a login of an existing user. */
  async addAccount(a: { server: string; user: string; invite?: string; password: string }): Promise<void> {
    this.lock();
    const base = { home: this.o.home, password: async () => a.password, events: this.events, server: a.server, user: a.user };
    // `login` runs the after-login trigger itself; register has nothing to sync yet (R3).
    const ctx = a.invite ? await this.sdk.register({ ...base, invite: a.invite }) : await this.sdk.login(base);
    await this.started(ctx, null);
  }

  private async started(ctx: ClientContext, trigger: 'after-login' | null): Promise<void> {
    this.ctx = ctx;
    this.source = 'server';
    this.copyFirst = 'unused';
    this.touch();
    await this.probe();
    this.timers.push(setInterval(() => void this.probe(), this.o.probeMs));
    this.timers.push(setInterval(() => this.checkIdle(), Math.max(100, Math.min(5000, this.o.minuteMs / 4))));
    this.scheduleInterval();
    this.bump();
    if (trigger && this.source === 'server') {
      // The after-login sync waits for the first list (or FIRST_LIST_WAIT_MS): the same process lists and syncs,
      // and a sync started with the unlock held the first list back by its own CPU time (ADR 0120).
      this.afterFirstList = () => {
        if (this.ctx === ctx && this.source === 'server' && !this.sync.running) void this.runSync(trigger);
      };
      this.timers.push(setTimeout(() => this.firstListServed(), FIRST_LIST_WAIT_MS));
    }
  }

  /** Runs what waited for the first list of this unlock (once). */
  private firstListServed(): void {
    const f = this.afterFirstList;
    this.afterFirstList = null;
    if (f) setImmediate(f);
  }

  /** Zeroes the keys and forgets the records (Lock button, idle lock, shutdown). */
  lock(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.afterFirstList = null;
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    this.intervalTimer = null;
    this.offline?.close();
    this.offline = null;
    this.offlineProblem = null;
    this.dropRecords();
    if (this.ctx) this.sdk.zeroContext(this.ctx);
    const was = this.ctx !== null;
    this.ctx = null;
    this.last = null;
    this.source = 'server';
    this.copyFirst = 'done';
    if (was) this.bump();
  }

  private checkIdle(): void {
    if (!this.ctx) return;
    if (Date.now() - this.lastActivity >= this.idleLockMinutes() * this.o.minuteMs) this.lock();
  }

  /** The idle lock setting of this home (minutes; default 15). */
  idleLockMinutes(): number {
    const v = this.o.home.readJson<{ idleLockMinutes?: number }>(join(this.o.home.dir, UI_SETTINGS_FILE));
    return typeof v?.idleLockMinutes === 'number' && v.idleLockMinutes > 0 ? v.idleLockMinutes : DEFAULT_IDLE_MINUTES;
  }

  /** Sets the idle lock (whole minutes, 1 to 1440). */
  setIdleLockMinutes(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > 1440) throw new SafeholdError('bad_request', 'the idle lock takes a whole number of minutes from 1 to 1440');
    this.o.home.writeJson(join(this.o.home.dir, UI_SETTINGS_FILE), { idleLockMinutes: n });
    this.changed();
  }

  /** The unlocked context, or 401-like refusal. */
  need(): ClientContext {
    if (!this.ctx) throw new SafeholdError('unauthorized', 'locked: unlock with your master password');
    return this.ctx;
  }

  /** Refuses an action that needs the server while records come from the offline database (R11). */
  needServer(what: string): ClientContext {
    const ctx = this.need();
    if (this.source === 'offline') throw new SafeholdError('unreachable', `${what} needs the server, which is unreachable (offline mode offers records and search only)`);
    return ctx;
  }

  /**
   * Refuses a record change while offline unless the lease allows offline edits (E5); returns whether the change
   * is to be queued offline (no server contact: it is pushed at the next sync).
   */
  needWritable(what: string): { ctx: ClientContext; offline: boolean } {
    const ctx = this.need();
    if (this.source !== 'offline') return { ctx, offline: false };
    if (!this.offlineEditsAllowed()) {
      throw new SafeholdError('offline_edits_forbidden', `${what} needs the server, which is unreachable: offline edits are not allowed for this database (offline mode offers records and search only)`);
    }
    return { ctx, offline: true };
  }

  private offlineEditsAllowed(): boolean {
    return this.source === 'offline' && this.offline?.offline.lease.offlineEdits === true;
  }

  // ---- the server watch ----

  /** Probes the server; switches to the offline database when it is unreachable, and back. */
  async probe(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || this.probing) return;
    this.probing = true;
    let up = true;
    try {
      up = await this.sdk.serverReachable(ctx.account.server, Math.min(2000, this.o.probeMs * 2));
    } finally {
      this.probing = false;
    }
    if (this.ctx !== ctx) return;
    if (!up && this.source === 'server') await this.goOffline(ctx);
    else if (up && this.source === 'offline') this.goOnline();
  }

  private async goOffline(ctx: ClientContext): Promise<void> {
    this.source = 'offline';
    this.dropRecords();
    this.offlineProblem = null;
    try {
      this.offline = await this.sdk.openOfflineSource(ctx);
      if (!this.offline) this.offlineProblem = 'the server is unreachable and no offline database exists for this account on this device (the first sync is made on the Account page while online)';
    } catch (e) {
      this.offlineProblem = e instanceof SafeholdError ? e.message : 'the offline database could not be opened';
    }
    this.bump();
  }

  private goOnline(): void {
    this.offline?.close();
    this.offline = null;
    this.offlineProblem = null;
    this.source = 'server';
    this.bump();
  }

  private bump(): void {
    this.dropRecords();
    this.generation++;
    this.changed();
  }

  // ---- records ----

  /** Where records come from now. */
  recordSource(): Sdk.RecordSource {
    const ctx = this.need();
    if (this.source === 'offline') {
      if (!this.offline) throw new SafeholdError('offline_missing', this.offlineProblem ?? 'no offline database');
      return this.offline;
    }
    return this.sdk.serverSource(ctx);
  }

  /**
   * Every listable record (cached until something changes). Callers at the same time share one listing:
   * the page's list, its release names and a detail may all ask right after unlock.
   */
  list(): Promise<readonly RecordView[]> {
    if (this.records) return Promise.resolve(this.records);
    if (this.listing && this.listing.epoch === this.epoch) return this.listing.p;
    const p = this.listOnce().finally(() => {
      if (this.listing?.p === p) this.listing = null;
      this.firstListServed();
    });
    this.listing = { epoch: this.epoch, p };
    return p;
  }

  private async listOnce(): Promise<readonly RecordView[]> {
    if (this.records) return this.records;
    const src = this.recordSource();
    const epoch = this.epoch;
    if (this.source === 'server' && this.copyFirst === 'unused' && this.ctx) {
      this.copyFirst = 'done';
      const copy = await this.offlineCopyList(this.ctx, epoch);
      if (copy) return copy;
    }
    let list: readonly RecordView[];
    try {
      list = this.sdk.prepareSearch([...(await src.list())]);
    } catch (e) {
      if (e instanceof SafeholdError && e.code === 'unreachable' && this.ctx) {
        await this.goOffline(this.ctx);
        return this.listOnce();
      }
      throw e;
    }
    // Kept only if nothing changed meanwhile (a save, a sync, a switch of source); else the next call lists again.
    if (this.epoch === epoch) this.keep(list);
    return list;
  }

  /**
   * The first list of an online unlock from this device's offline copy, when the user holds a usable one (the
   * rules of `safehold offline`: a database taken offline under a valid lease, not expired, not wiped). It is
   * shown at once and replaced by the online list when that arrives (`replaceWithOnline`), which brings
   * the sealed records, the records not taken offline and everything changed since the last sync. Null when
   * there is no such copy: the online list is then the first list, as for every user without offline right.
   * No header leaves the server for this that the offline sync did not already keep (R-rules, ADR 0120).
   */
  private async offlineCopyList(ctx: ClientContext, epoch: number): Promise<readonly RecordView[] | null> {
    let copy: OfflineRecordSource | null = null;
    let list: readonly RecordView[];
    try {
      copy = await this.sdk.openOfflineSource(ctx);
      if (!copy) return null;
      list = this.sdk.prepareSearch([...(await copy.list())]);
    } catch {
      // Expired, wiped, corrupt or locked: no copy to show; the online list decides (and the sync reports it).
      return null;
    } finally {
      copy?.close();
    }
    if (this.ctx !== ctx || this.epoch !== epoch || this.source !== 'server') return null;
    this.keep(list);
    this.interim = { refreshing: true, problem: null, count: list.length };
    this.changed();
    // Started once this answer is on its way: its first steps must not hold back the copy's answer.
    setImmediate(() => void this.replaceWithOnline(ctx, epoch));
    return list;
  }

  /** Lists online and puts that list in place of the offline copy's, unless something changed meanwhile. */
  private async replaceWithOnline(ctx: ClientContext, epoch: number): Promise<void> {
    // Locked, or the copy dropped, before this started: nothing to replace (and a locked context has no keys).
    if (this.ctx !== ctx || this.epoch !== epoch) return;
    let list: readonly RecordView[];
    try {
      list = this.sdk.prepareSearch([...(await this.sdk.serverSource(ctx).list())]);
    } catch (e) {
      if (this.ctx !== ctx || this.epoch !== epoch) return;
      if (e instanceof SafeholdError && e.code === 'unreachable') return this.goOffline(ctx);
      const msg = e instanceof SafeholdError ? e.message : 'unexpected error';
      this.interim = { refreshing: false, problem: `the server's list failed: ${msg}`, count: this.interim?.count ?? 0 };
      this.changed();
      return;
    }
    // A save, a refresh or a switch of source meanwhile dropped the copy: the list asked for since is online already.
    if (this.ctx !== ctx || this.epoch !== epoch) return;
    this.keep(list);
    this.interim = null;
    this.generation++;
    this.changed();
  }

  /** Keeps `list` as the cached list and builds its search index right after this answer is sent. */
  private keep(list: readonly RecordView[]): void {
    this.records = list;
    setImmediate(() => {
      if (this.records === list) this.sdk.indexForSearch(list);
    });
  }

  private dropRecords(): void {
    this.records = null;
    this.interim = null;
    this.epoch++;
  }

  /** After a save in the UI: the list changes, and the after-save trigger runs (inside the SDK call). */
  saved(): void {
    this.bump();
  }

  // ---- sync ----

  /** Runs a sync unless one runs already; `manual` may create the offline database (R3). */
  async runSync(trigger: 'manual' | 'after-login' | 'interval'): Promise<OfflineSyncResult | null> {
    const ctx = this.need();
    if (this.sync.running) throw new SafeholdError('conflict', 'an offline sync is already running');
    this.sync = { running: true, trigger, done: 0, total: null };
    this.changed();
    if (trigger !== 'manual') {
      const s = this.sdk.readSettings(ctx.home, ctx.account.server, ctx.account.user);
      if (trigger === 'after-login' && !s.afterLogin) return this.idle();
    }
    try {
      const res = await this.sdk.syncOffline(ctx, { create: trigger === 'manual', limit: this.o.syncPage });
      if (res) this.finishSync(true, this.sdk.completionNotice(res), res);
      else this.idle();
      return res;
    } catch (e) {
      const msg = e instanceof SafeholdError ? e.message : 'unexpected error';
      this.finishSync(false, `offline sync failed: ${msg}`, null);
      if (trigger === 'manual') throw e;
      return null;
    }
  }

  private idle(): null {
    this.sync = { running: false, trigger: null, done: 0, total: null };
    this.changed();
    return null;
  }

  private finishSync(ok: boolean, message: string, res: OfflineSyncResult | null): void {
    const counts = res ? { added: res.added, updated: res.updated, removed: res.removed, total: res.total } : parseCounts(message);
    this.last = { at: new Date().toISOString(), ok, message, counts };
    this.sync = { running: false, trigger: null, done: 0, total: null };
    if (this.source === 'offline') this.dropRecords();
    this.generation++;
    this.changed();
  }

  /** The interval trigger (R9): re-reads the setting each round, like `safehold agent`. */
  scheduleInterval(): void {
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    const ctx = this.ctx;
    if (!ctx) return;
    const minutes = this.sdk.readSettings(ctx.home, ctx.account.server, ctx.account.user).intervalMinutes;
    this.intervalTimer = setTimeout(() => {
      if (this.ctx !== ctx) return;
      if (this.source === 'server' && !this.sync.running) void this.runSync('interval').finally(() => this.scheduleInterval());
      else this.scheduleInterval();
    }, minutes * this.o.minuteMs);
  }

  // ---- status ----

  status(): UiStatus {
    const ctx = this.ctx;
    let lastSync: string | null = null;
    let expiresAt: string | null = null;
    if (ctx?.account.db) {
      try {
        const st = this.sdk.offlineStatus({ home: ctx.home, server: ctx.account.server, user: ctx.account.user, db: ctx.account.db, device: ctx.device.id }, null);
        lastSync = st.lastSync;
        expiresAt = st.expiresAt;
      } catch {
        /* no status file yet */
      }
    }
    return {
      unlocked: ctx !== null,
      account: ctx ? { server: ctx.account.server, user: ctx.account.user, db: ctx.account.db } : null,
      source: this.source,
      offlineProblem: this.offlineProblem,
      sync: this.sync,
      last: this.last,
      lastSync,
      expiresAt,
      idleLockMinutes: this.idleLockMinutes(),
      offlineEdits: this.offlineEditsAllowed(),
      interimList: this.interim,
      generation: this.generation,
    };
  }
}

function parseCounts(message: string): { added: number; updated: number; removed: number; total: number } | null {
  const m = /(\d+) added, (\d+) updated, (\d+) removed, (\d+) total/.exec(message);
  return m ? { added: Number(m[1]), updated: Number(m[2]), removed: Number(m[3]), total: Number(m[4]) } : null;
}
