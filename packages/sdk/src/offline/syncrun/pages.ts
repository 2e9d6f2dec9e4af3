/**
 * The page requests of a run. The next page is asked for as soon as one arrives (its cursor is all the
 * request needs), so the server builds page n+1 while this process decrypts and stores page n; its
 * answer is only acted on (refusal, wipe order, lease) when its turn comes. A wipe answer, or a
 * refusal of this device while it holds an offline database, leads to the wipe path (12.x).
 */
import { existsSync } from 'node:fs';
import { SafeholdError } from '@safehold/protocol';
import type { SyncResponse } from '@safehold/protocol/api';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { asDatabaseId } from '@safehold/protocol';
import { acknowledgeWipe, applyWipeOrder, fetchAndApplyOrders, isRefusal, wipedError } from '../wipe.js';
import type { RunState } from './state.js';

/** A page request's outcome, kept until its turn comes. */
type PageAnswer = { ok: true; res: SyncResponse } | { ok: false; error: unknown };

export type ChangesPage = SyncResponse & { kind: 'changes' };

export interface WipeHooks {
  /** Closes the open files before a wipe destroys them (and counts the queued changes still unpushed). */
  beforeWipe(): void;
  /** Said to the user after a wipe (the count of destroyed queued changes, never their contents). */
  afterWipe(): void;
}

export class PageStream {
  private pending: Promise<PageAnswer> | null = null;

  constructor(
    private readonly s: RunState,
    private readonly hooks: WipeHooks,
  ) {}

  /** The page at `cursor` (from the request already under way, if any). */
  async next(cursor: string): Promise<ChangesPage> {
    const answer = await (this.pending ?? this.request(cursor));
    this.pending = null;
    if (!answer.ok) return this.refused(answer.error);
    const res = answer.res;
    if (res.kind === 'wipe') {
      this.hooks.beforeWipe();
      const { ctx, target, pinned } = this.s;
      const order = applyWipeOrder(ctx, target, pinned, res.wipe);
      if (order) {
        this.hooks.afterWipe();
        await acknowledgeWipe(ctx, order);
        throw wipedError(order);
      }
      throw new SafeholdError('server_error', 'the server sent a wipe order that is not signed by the pinned server key: ignored');
    }
    return res;
  }

  /**
   * Asks for the page after this one now, to be collected by the next call of `next`; settles once the request
   * is on the wire. Awaiting that matters: node writes a request to its keep-alive socket on a later tick, and
   * a page's work that follows runs in one chain of already-settled awaits, which no tick interrupts, so the
   * request would otherwise leave only after the page's work, and the server would build nothing meanwhile.
   */
  async prefetch(cursor: string): Promise<void> {
    this.pending = this.request(cursor);
    await this.s.ctx.api.whenSent();
  }

  /** Readies the check of a page answer (its schema compiled) while a request is under way. */
  prepareAnswer(): Promise<void> {
    return this.s.ctx.api.prepareAnswer(E.syncChanges);
  }

  /** The request for one page, settled either way (so that it may run ahead). */
  private request(cursor: string): Promise<PageAnswer> {
    return this.s.ctx.api
      .call(E.syncChanges, { db: asDatabaseId(this.s.db) }, { cursor, limit: this.s.limit })
      .then(
        (res): PageAnswer => ({ ok: true, res }),
        (error: unknown): PageAnswer => ({ ok: false, error }),
      );
  }

  private async refused(e: unknown): Promise<never> {
    const { ctx, target, pinned, sidecar } = this.s;
    if (isRefusal(e) && sidecar && existsSync(target.paths.file)) {
      this.hooks.beforeWipe();
      const order = await fetchAndApplyOrders(ctx, target, pinned);
      if (order) {
        this.hooks.afterWipe();
        throw wipedError(order);
      }
    }
    throw e;
  }
}
