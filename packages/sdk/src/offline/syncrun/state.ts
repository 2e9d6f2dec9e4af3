/** What every part of one sync run shares: the context, the target, and the pinned key and sidecar (which a run may change). */
import type { Sidecar } from '@safehold/store';
import type { ClientContext } from '../../context.js';
import type { OfflineTarget } from '../locate.js';

export interface RunState {
  readonly ctx: ClientContext;
  readonly target: OfflineTarget;
  readonly db: string;
  readonly fileKey: Uint8Array;
  /** Records per page asked of the server. */
  readonly limit: number;
  /** Records from which a fresh file's header cache is written on a worker thread (default in run.ts). */
  readonly headerCacheThreadFrom?: number;
  /** The server key pinned for this offline database (follows a signed rotation). */
  pinned: string;
  /** The sidecar on disk (null until the first file is created). */
  sidecar: Sidecar | null;
}
