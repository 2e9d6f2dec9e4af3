/**
 * The SDK's Offline Add-on functions the benchmarks call, from @safehold/sdk's public exports only
 * (never its internal modules). A missing one is reported as "not available", never worked around.
 */
import type { ClientContext, Home, RecordView } from '@safehold/sdk';

export interface OfflineSyncResultLike {
  added: number;
  updated: number;
  removed: number;
  total: number;
  cursor: string;
  /** E5: queued offline changes pushed first (absent before offline edits). */
  pushed?: number;
}

export interface OfflineSessionLike {
  close(): void;
}

export interface OfflineApi {
  syncOffline(ctx: ClientContext, opts: { create: boolean; limit?: number }): Promise<OfflineSyncResultLike | null>;
  unlockOffline(a: {
    home: Home;
    server: string;
    user: string;
    db: string;
    device: string;
    password: string;
    clock: () => number;
  }): Promise<OfflineSessionLike | null>;
  listOffline(session: OfflineSessionLike): Promise<RecordView[]>;
}

export class MissingApi extends Error {}

type Mod = Record<string, unknown>;

/** `_root` (the repository root) is kept for the callers; the SDK is the one @safehold/sdk resolves to. */
export async function offlineApi(_root: string): Promise<OfflineApi> {
  const sdk = (await import('@safehold/sdk')) as unknown as Mod;
  const syncOffline = sdk['syncOffline'];
  const unlockOffline = sdk['unlockOffline'];
  const Source = sdk['OfflineRecordSource'];
  const missing: string[] = [];
  if (typeof syncOffline !== 'function') missing.push('syncOffline');
  if (typeof unlockOffline !== 'function') missing.push('unlockOffline');
  if (typeof Source !== 'function') missing.push('OfflineRecordSource');
  if (missing.length) throw new MissingApi(`the SDK has no ${missing.join(', ')} yet`);
  const SourceClass = Source as new (s: OfflineSessionLike) => { list(): Promise<RecordView[]> };
  return {
    syncOffline: syncOffline as OfflineApi['syncOffline'],
    unlockOffline: unlockOffline as OfflineApi['unlockOffline'],
    listOffline: (session) => new SourceClass(session).list(),
  };
}
