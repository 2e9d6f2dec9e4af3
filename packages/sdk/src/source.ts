/**
 * Record sources: the server, or the offline database (Offline Add-on) when the server is
 * unreachable or `--offline` is given. list/search/show/copy read through a source.
 */
import { SafeholdError, type SecretPlain } from '@safehold/protocol';
import type { ClientContext } from './context.js';
import type { RecordView } from './recordview.js';
import { getRecord, listRecords } from './vault.js';
import { zero } from './keys/index.js';

/** One record as a source returns it. */
export interface SourceRecord {
  view: RecordView;
  /** Header-only data needed to copy non-secret fields. */
  header?: { username: string; url: string; fields: Array<{ name: string; value: string }> };
  /** Null when not available (sealed without a release). */
  secret: SecretPlain | null;
  /** True when this user may display the secret (not masked for them, secret available). */
  canReveal: boolean;
}

/** Where records are read from. */
export interface RecordSource {
  kind: 'server' | 'offline';
  list(): Promise<readonly RecordView[]>;
  get(id: string): Promise<SourceRecord>;
}

/** The server as a record source. */
export function serverSource(ctx: ClientContext): RecordSource {
  return {
    kind: 'server',
    list: () => listRecords(ctx),
    async get(id: string): Promise<SourceRecord> {
      // The source also serves copy, so a masked secret is kept; `canReveal` says it may not be shown.
      const r = await getRecord(ctx, id, { use: true });
      zero(r.keys.headerKey, r.keys.secretKey);
      return { view: r.view, header: r.header, secret: r.secret, canReveal: r.canReveal };
    },
  };
}

/** A source that reads from the server and falls back to the offline database (spec §3.2). */
class FallbackSource implements RecordSource {
  kind: 'server' | 'offline';
  private current: RecordSource;
  constructor(
    private readonly ctx: ClientContext,
    first: RecordSource,
  ) {
    this.current = first;
    this.kind = first.kind;
  }
  list(): Promise<readonly RecordView[]> {
    return this.run((s) => s.list());
  }
  get(id: string): Promise<SourceRecord> {
    return this.run((s) => s.get(id));
  }
  private async run<T>(f: (s: RecordSource) => Promise<T>): Promise<T> {
    try {
      return await f(this.current);
    } catch (e) {
      if (this.current.kind !== 'server' || !(e instanceof SafeholdError) || e.code !== 'unreachable') throw e;
      const offline = await openOffline(this.ctx);
      if (!offline) {
        throw new SafeholdError(
          'unreachable',
          `${e.message}; no offline database exists for ${this.ctx.account.user} on this device (create one with \`safehold offline sync\` while online)`,
        );
      }
      // A warning, not a notice: scripts must see on stderr that the answer comes from the offline copy.
      this.ctx.events.warning(`server unreachable (${e.message}): using the offline database`);
      this.current = offline;
      this.kind = offline.kind;
      return await f(offline);
    }
  }
}

/** Opens the offline record source of a context: null when there is none (provided by the Offline Add-on). */
export type OfflineSourceOpener = (ctx: ClientContext) => Promise<RecordSource | null>;
let offlineOpener: OfflineSourceOpener | null = null;

/** Lets the Offline Add-on provide the offline fallback; without it, no context has an offline database. */
export function provideOfflineSource(open: OfflineSourceOpener): void {
  offlineOpener = open;
}

async function openOffline(ctx: ClientContext): Promise<RecordSource | null> {
  return offlineOpener ? offlineOpener(ctx) : null;
}

/**
 * The source for list/search/show/copy: the server, falling back to the offline database when the
 * server is unreachable; with `offline: true`, the offline database only (offline_missing when none).
 */
export async function resolveSource(ctx: ClientContext, opts: { offline?: boolean } = {}): Promise<RecordSource> {
  if (opts.offline) {
    const s = await openOffline(ctx);
    if (!s) throw new SafeholdError('offline_missing', `no offline database for ${ctx.account.user} on this device: run \`safehold offline sync\` while online`);
    return s;
  }
  return new FallbackSource(ctx, serverSource(ctx));
}
