/**
 * The offline sync engine (R3, R4/R5 as served, R10, E3): pages of the delta sync are applied each in
 * one local transaction together with their cursor; a `reset` builds a fresh file beside the current
 * one and swaps it in atomically when complete. Record keys arriving for a public key (shared, role)
 * are unwrapped here and re-wrapped under the user key, so that offline unlock is symmetric only.
 */
import { existsSync } from 'node:fs';
import { verifyLease } from '@safehold/domain';
import { acceptServerKey } from '../serverkey.js';
import { SafeholdError } from '@safehold/protocol';
import { MAX_ADOPT_BATCH, MAX_SYNC_LIMIT } from '@safehold/protocol';
import type { AdoptBatchRequest, LeasePayload, RecordWire, SyncResponse } from '@safehold/protocol/api';
import {
  OfflineStore,
  SIDECAR_FORMAT,
  readSidecar,
  removeIfExists,
  writeJson,
  writeSidecar,
  type Sidecar,
  type StoredRecord,
} from '@safehold/store';
import type { ClientContext } from '../context.js';
import { requireDb } from '../context.js';
import { hasOfflineDatabase, locate, statusOf, type OfflineStatusFile, type OfflineTarget } from './locate.js';
import { acknowledgeWipe, applyWipeOrder, fetchAndApplyOrders, isRefusal, wipedError } from './wipe.js';
import { syncLockPath, withSyncLock } from './synclock.js';
import { pushOutbox, type PushCounts } from './push.js';
import { ensureDeviceKey } from '../devicekey.js';
import { HeaderCacheWriter } from './headercachewriter.js';
import { fromB64, newFileKey, unwrapFileKey, verifySignature, wrapFileKey, zero } from '../keys/index.js';

/** spec §3.2 `offline sync --json`. */
export interface OfflineSyncResult {
  db: string;
  added: number;
  updated: number;
  removed: number;
  total: number;
  durationMs: number;
  cursor: string;
  /** E5: queued offline changes the server settled (merged conflicts included), conflicts, rejections. */
  pushed: number;
  conflicts: number;
  rejected: number;
}

export interface OfflineSyncOptions {
  /** True for the manual sync, which may create the offline database (R3); triggers pass false. */
  create: boolean;
  /** Page size asked of the server. */
  limit?: number;
}

/** Progress task name of the SDK events (R10). */
export const SYNC_TASK = 'offline-sync';

type AdoptItem = AdoptBatchRequest['keys'][number];

/**
 * Synchronises the offline database of the context's account, db and device. Returns null when there
 * is none and `create` is false (an automatic trigger never creates one).
 */
export async function syncOffline(ctx: ClientContext, opts: OfflineSyncOptions): Promise<OfflineSyncResult | null> {
  const db = requireDb(ctx);
  const target = locate(ctx.home, ctx.account.server, ctx.account.user, db, ctx.device.id);
  // A trigger with no offline database does nothing, and creates nothing (not even the lock's directory).
  if (!opts.create && !hasOfflineDatabase(target)) return null;
  // Never two syncs of one offline database at once, whoever starts them (UI, agent, CLI).
  return withSyncLock(syncLockPath(target), () => syncLocked(ctx, opts, db, target), {
    onWait: (pid) => ctx.events.notice(`waiting for the offline sync already running${pid ? ` (process ${pid})` : ''}`),
  });
}

async function syncLocked(ctx: ClientContext, opts: OfflineSyncOptions, db: string, target: OfflineTarget): Promise<OfflineSyncResult | null> {
  const sidecar = readSidecar(target.paths.sidecar);
  const mainExists = sidecar !== null && existsSync(target.paths.file);
  if (!mainExists && !opts.create) return null;
  if (sidecar && sidecar.signingPublicKey !== ctx.accountFile.signingPublicKey) {
    throw new SafeholdError('integrity', 'the server key pinned in the offline database differs from the one pinned for this account: refused');
  }
  const pinned = sidecar?.signingPublicKey ?? ctx.accountFile.signingPublicKey;
  const fileKey = sidecar ? unwrapFileKey(ctx.keyring.userKey, sidecar) : newFileKey();
  // The device key must be on the server before it may be needed to fetch a wipe order (12.4).
  if (!ctx.accountFile.deviceKey?.registered) {
    try {
      await ensureDeviceKey(ctx);
    } catch {
      // The sync below meets the same refusal or outage and handles it.
    }
  }
  const run = new SyncRun(ctx, target, db, pinned, fileKey, sidecar, opts.limit ?? SYNC_PAGE);
  try {
    return await run.execute(mainExists);
  } finally {
    run.close();
    zero(fileKey);
  }
}

/**
 * Records per page the client asks for. With the next page requested while one is applied, two pages
 * are in memory at once; 1000 keeps a 100k first sync under spec §5's 200 MB RSS (2000 peaked at
 * ~210 MiB) at no cost in speed (the server's per-request overhead is small next to 1000 records).
 */
const SYNC_PAGE = Math.min(1000, MAX_SYNC_LIMIT);

/** A failed look-up of the server key (not found, unreachable) leaves the lease refused; a refused rotation is thrown. */
function keepRefusal(e: unknown): false {
  if (e instanceof SafeholdError && e.code === 'integrity') throw e;
  return false;
}

/** A page request's outcome, kept until its turn comes. */
type PageAnswer = { ok: true; res: SyncResponse } | { ok: false; error: unknown };

class SyncRun {
  private main: OfflineStore | null = null;
  private build: OfflineStore | null = null;
  /** Writes the header cache while a fresh file is built (ADR 0076). */
  private headerCache: HeaderCacheWriter | null = null;
  private adoptOff = false;
  private rolesLoaded = false;
  private readonly start: number;
  private counts = { added: 0, updated: 0, removed: 0 };
  private pushCounts: PushCounts = { pushed: 0, conflicts: 0, rejected: 0 };
  /** Queued changes still unpushed when the server refused this device (reported if a wipe follows). */
  private unpushed = 0;
  /** The refusal of the push, kept until the first page says whether a wipe order follows. */
  private pushError: unknown = null;

  constructor(
    private readonly ctx: ClientContext,
    private readonly target: OfflineTarget,
    private readonly db: string,
    private pinned: string,
    private readonly fileKey: Uint8Array,
    private sidecar: Sidecar | null,
    private readonly limit: number,
  ) {
    this.start = ctx.clock();
  }

  close(): void {
    this.main?.close();
    this.build?.close();
    this.main = null;
    this.build = null;
  }

  async execute(mainExists: boolean): Promise<OfflineSyncResult> {
    const { paths } = this.target;
    if (mainExists) this.main = OfflineStore.open(paths.file, this.fileKey);
    // Resume an interrupted rebuild (or an interrupted first sync) from its own cursor.
    if (this.sidecar && existsSync(paths.build)) {
      try {
        this.build = OfflineStore.open(paths.build, this.fileKey);
      } catch {
        this.build = null;
        for (const p of [paths.build, `${paths.build}-wal`, `${paths.build}-shm`]) removeIfExists(p);
      }
    }
    // E5: the queued offline changes go first, in order; the pull only runs on an empty outbox, so it can
    // never overwrite a local change that is not on the server yet.
    if (this.main) await this.push(this.main);
    let cursor = (this.build ?? this.main)?.meta().cursor ?? '0';
    let done = 0;
    let lease: LeasePayload | null = null;
    // The next page is asked for as soon as this one arrives (its cursor is all the request needs), so
    // the server builds page n+1 while this process decrypts and stores page n. Its answer is only
    // acted on (refusal, wipe order, lease) once page n is applied, in order.
    let pending: Promise<PageAnswer> | null = null;
    for (;;) {
      const page = await this.fetchPage(cursor, pending);
      // The push was refused and no wipe order came: the queued changes stay, and nothing is pulled over them.
      if (this.pushError !== null) throw this.pushError;
      pending = page.hasMore ? this.requestPage(page.cursor) : null;
      lease = await this.checkLease(page.lease);
      // A page that starts a fresh file also starts its header cache (ADR 0076); a resumed rebuild has none.
      if (!this.build && (page.reset || !this.main)) this.headerCache = new HeaderCacheWriter(this.ctx.keyring.userKey, this.target.ident.user);
      const { records, removed } = await this.prepare(page.records, page.removed);
      const now = this.ctx.clock();
      if (!this.build && (page.reset || !this.main)) {
        this.ensureSidecar();
        this.build = OfflineStore.build(paths.build, this.fileKey, { now });
      }
      const into = this.build ?? this.main;
      if (!into) throw new SafeholdError('internal', 'offline sync has no file to write to');
      const cache = into === this.build ? this.headerCache?.entries(removed, !page.hasMore) : undefined;
      const r = into.applyPage({ records: records.map((x) => x.stored), removed, cursor: page.cursor, lease: page.lease, now, ...(cache ? { cache } : {}) });
      if (!this.build) {
        this.counts.added += r.added;
        this.counts.updated += r.updated;
        this.counts.removed += r.removed;
      }
      await this.adopt(records.flatMap((x) => (x.adopt ? [x.adopt] : [])));
      done += page.records.length;
      this.ctx.events.progress(SYNC_TASK, done, page.total ?? null);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    if (this.build) this.swapIn();
    const main = this.main as OfflineStore | null;
    if (!main) throw new SafeholdError('internal', 'offline sync ended without a file');
    const total = main.count();
    this.afterSuccess(lease, total);
    return { db: this.db, ...this.counts, total, durationMs: Math.max(0, this.ctx.clock() - this.start), cursor, ...this.pushCounts };
  }

  /** Pushes the outbox. A refusal of this device or user falls through to the pull, which fetches any wipe order. */
  private async push(main: OfflineStore): Promise<void> {
    if (main.outbox().length === 0) return;
    try {
      // The plain status file follows each settled batch, so an interrupted push leaves the right count.
      this.pushCounts = await pushOutbox(this.ctx, main, this.db, (left) => {
        const st = statusOf(this.target);
        if (st) writeJson(this.target.paths.status, { ...st, pending: left });
      });
    } catch (e) {
      if (!isRefusal(e)) throw e;
      this.unpushed = main.outbox().length;
      this.pushError = e;
    }
  }

  /** A wipe destroys what was not pushed: said to the user, with the count (never the contents). */
  private warnUnpushed(): void {
    if (this.unpushed > 0) {
      this.ctx.events.warning(`${this.unpushed} queued offline change(s) were refused by the server and destroyed with the offline database by the wipe order`);
    }
  }

  /** The request for one page, settled either way and acted on by fetchPage (so it may run ahead). */
  private requestPage(cursor: string): Promise<PageAnswer> {
    return this.ctx.api
      .request('GET', `/db/${encodeURIComponent(this.db)}/offline/changes`, { query: { cursor, limit: this.limit }, schema: 'SyncResponse' })
      .then(
        (res): PageAnswer => ({ ok: true, res }),
        (error: unknown): PageAnswer => ({ ok: false, error }),
      );
  }

  /** One page (from the request already under way, if any); a wipe answer or a refusal of this device leads to the wipe path. */
  private async fetchPage(cursor: string, pending: Promise<PageAnswer> | null) {
    const answer = await (pending ?? this.requestPage(cursor));
    let res: SyncResponse;
    if (answer.ok) {
      res = answer.res;
    } else {
      const e = answer.error;
      if (isRefusal(e) && this.sidecar && existsSync(this.target.paths.file)) {
        this.unpushed = Math.max(this.unpushed, this.main?.outbox().length ?? 0);
        this.close();
        const order = await fetchAndApplyOrders(this.ctx, this.target, this.pinned);
        if (order) {
          this.warnUnpushed();
          throw wipedError(order);
        }
      }
      throw e;
    }
    if (res.kind === 'wipe') {
      this.unpushed = Math.max(this.unpushed, this.main?.outbox().length ?? 0);
      this.close();
      const order = applyWipeOrder(this.ctx, this.target, this.pinned, res.wipe);
      if (order) {
        this.warnUnpushed();
        await acknowledgeWipe(this.ctx, order);
        throw wipedError(order);
      }
      throw new SafeholdError('server_error', 'the server sent a wipe order that is not signed by the pinned server key: ignored');
    }
    return res;
  }

  private async checkLease(signed: { payload: string; signature: string }): Promise<LeasePayload> {
    const { server, user, device } = this.target.ident;
    const a = this.ctx.accountFile;
    const expected = { user, device, db: this.db, ...(a.serverId ? { server: a.serverId } : {}) };
    let c = verifyLease(signed, fromB64(this.pinned), verifySignature, expected);
    if (!c.ok && c.why === 'bad_signature' && (await this.followKeyRotation().catch(keepRefusal))) {
      c = verifyLease(signed, fromB64(this.pinned), verifySignature, expected);
    }
    if (c.ok && !a.serverId) {
      // Accounts registered before the server id was published pin it at their first lease.
      a.serverId = c.lease.server;
      this.ctx.home.writeAccount(a);
    }
    if (!c.ok) {
      throw new SafeholdError('integrity', `the sync answer's lease is not validly signed by the pinned server key for ${user} (${c.why}): nothing applied`, { server });
    }
    return c.lease;
  }

  /**
   * A lease that does not verify may be signed by a rotated server key: accepted only through the signed
   * rotation chain (12.10), which also re-binds the sidecar on disk; a key that the pinned one does not sign is
   * refused (integrity). True when the pinned key changed.
   */
  private async followKeyRotation(): Promise<boolean> {
    const a = this.ctx.accountFile;
    if (this.pinned !== a.signingPublicKey) return false;
    const changed = await acceptServerKey({ api: this.ctx.api, home: this.ctx.home, account: a, userKey: this.ctx.keyring.userKey, deviceId: this.ctx.device.id, presented: null, events: this.ctx.events });
    if (!changed) return false;
    this.pinned = a.signingPublicKey;
    if (this.sidecar) this.sidecar = readSidecar(this.target.paths.sidecar);
    return true;
  }

  /** Opens each record's keys and re-wraps them under the user key; sealed or keyless records are removed. */
  private async prepare(wires: RecordWire[], removedIds: string[]): Promise<{ records: Array<{ stored: StoredRecord; adopt: AdoptItem | null }>; removed: string[] }> {
    const removed = [...removedIds];
    const out: Array<{ stored: StoredRecord; adopt: AdoptItem | null }> = [];
    const kr = this.ctx.keyring;
    for (const w of wires) {
      if (w.sealed || !w.keys || !w.keyHolder || w.db !== this.db) {
        // R5: a sealed record never enters the file, whatever the server sent.
        removed.push(w.id);
        continue;
      }
      if (w.keyHolder.kind === 'role' && !this.rolesLoaded) {
        await kr.rolePrivateKeys(this.db);
        this.rolesLoaded = true;
      }
      const keys = kr.unwrapRecordKeys(w);
      try {
        const header = keys.shared ? kr.wrapForSelf(w.id, 'header', keys.headerKey) : w.keys.header;
        const secret = keys.secretKey ? (keys.shared ? kr.wrapForSelf(w.id, 'secret', keys.secretKey) : w.keys.secret) : null;
        const stored: StoredRecord = {
          id: w.id,
          db: w.db,
          revision: w.revision,
          creator: w.creator,
          createdAt: w.createdAt,
          updatedAt: w.updatedAt,
          updatedBy: w.updatedBy,
          masked: w.masked,
          sealed: false,
          rights: [...w.rights],
          header: fromB64(w.header),
          secret: w.secret === null ? null : fromB64(w.secret),
          headerKey: fromB64(header),
          secretKey: secret === null ? null : fromB64(secret),
        };
        this.headerCache?.add(stored, keys.headerKey);
        out.push({
          stored,
          adopt: keys.shared ? { record: w.id, header, secret } : null,
        });
      } finally {
        zero(keys.headerKey, keys.secretKey);
      }
    }
    return { records: out, removed };
  }

  /** Key adoption on the server (spec §4), best effort, in batches. */
  private async adopt(items: AdoptItem[]): Promise<void> {
    if (this.adoptOff || items.length === 0) return;
    try {
      for (let i = 0; i < items.length; i += MAX_ADOPT_BATCH) {
        const body: AdoptBatchRequest = { keys: items.slice(i, i + MAX_ADOPT_BATCH) };
        await this.ctx.api.request('POST', `/db/${encodeURIComponent(this.db)}/keys/adopt`, { body, schema: 'AdoptBatchResponse' });
      }
    } catch {
      // Adoption only saves the server-side asymmetric work of later syncs; the offline copy is already symmetric.
      this.adoptOff = true;
    }
  }

  /** Writes the sidecar (before the first byte of a new file is committed). */
  private ensureSidecar(): void {
    if (this.sidecar) return;
    const a = this.ctx.accountFile;
    const sc: Sidecar = {
      format: SIDECAR_FORMAT,
      ...this.target.ident,
      kdf: a.kdf,
      userKeyEnc: a.userKeyEnc,
      signingPublicKey: a.signingPublicKey,
      fileKeyEnc: wrapFileKey(this.ctx.keyring.userKey, this.fileKey, this.target.ident, a.signingPublicKey),
      createdAt: new Date(this.ctx.clock()).toISOString(),
    };
    writeSidecar(this.target.paths.sidecar, sc);
    this.sidecar = sc;
  }

  /** Swaps a complete rebuild in atomically and counts the difference to the old file. */
  private swapIn(): void {
    const build = this.build as OfflineStore;
    const { paths } = this.target;
    const newRevs = build.revisions();
    if (this.main) {
      const oldRevs = this.main.revisions();
      for (const [id, rev] of newRevs) {
        const old = oldRevs.get(id);
        if (old === undefined) this.counts.added++;
        else if (old !== rev) this.counts.updated++;
      }
      for (const id of oldRevs.keys()) if (!newRevs.has(id)) this.counts.removed++;
      build.setLatestTime(Math.max(build.meta().latestTime, this.main.meta().latestTime));
      // Conflicts and rejected changes (and any queued change) live in the file: the rebuild keeps them.
      this.main.copyLocalTo(build);
      this.main.close();
      this.main = null;
    } else {
      this.counts.added += newRevs.size;
    }
    build.commitTo(paths.file);
    this.build = null;
    this.main = OfflineStore.open(paths.file, this.fileKey);
  }

  /** Status for `offline list`/`status` (no secrets), a refreshed sidecar, no tombstone. */
  private afterSuccess(lease: LeasePayload | null, total: number): void {
    const { paths } = this.target;
    const status: OfflineStatusFile = {
      lastSync: new Date(this.ctx.clock()).toISOString(),
      expiresAt: lease?.expiresAt ?? null,
      records: total,
      enabled: true,
      right: true,
      offlineDays: lease?.offlineDays ?? 0,
      pending: this.main?.outbox().length ?? 0,
      ...(lease?.instance && lease.instanceCreatedAt ? { instance: lease.instance, instanceCreatedAt: lease.instanceCreatedAt } : {}),
    };
    writeJson(paths.status, status);
    const a = this.ctx.accountFile;
    // After a password change the sidecar follows the account, so the new password opens the file.
    if (this.sidecar && (this.sidecar.userKeyEnc !== a.userKeyEnc || JSON.stringify(this.sidecar.kdf) !== JSON.stringify(a.kdf))) {
      this.sidecar = { ...this.sidecar, kdf: a.kdf, userKeyEnc: a.userKeyEnc };
      writeSidecar(paths.sidecar, this.sidecar);
    }
    removeIfExists(paths.tombstone);
  }
}
