import { SafeholdError } from '@safehold/protocol';

export type StoreErrorReason = 'wrong_key' | 'corrupt' | 'missing';

/** An offline file that cannot be opened: wrong file key, damaged file, or no file. Exit 6 (offline state). */
export class OfflineStoreError extends SafeholdError {
  readonly reason: StoreErrorReason;
  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    super(reason === 'missing' ? 'offline_missing' : 'offline_corrupt', message, { reason }, options);
    this.name = 'OfflineStoreError';
    this.reason = reason;
  }
}
