/**
 * The SDK's Offline Add-on functions the benchmarks call, found in @safehold/sdk (or, while its
 * index does not export them yet, in the sdk's compiled offline modules). A missing one is reported
 * as "not available", never worked around.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

async function load(root: string, file: string): Promise<Mod> {
  try {
    return (await import(pathToFileURL(path.join(root, 'packages/sdk/dist', file)).href)) as Mod;
  } catch {
    return {};
  }
}

export async function offlineApi(root: string): Promise<OfflineApi> {
  const sdk = (await import('@safehold/sdk')) as unknown as Mod;
  const syncMod = await load(root, 'offline/sync.js');
  const unlockMod = await load(root, 'offline/unlock.js');
  const sourceMod = await load(root, 'offline/source.js');
  const syncOffline = sdk['syncOffline'] ?? syncMod['syncOffline'];
  const unlockOffline = sdk['unlockOffline'] ?? unlockMod['unlockOffline'];
  const Source = sdk['OfflineRecordSource'] ?? sourceMod['OfflineRecordSource'];
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
