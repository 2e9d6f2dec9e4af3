/**
 * Opening a record's secret key as the offline file keeps it (wrapped under the user key). The offline sync
 * stores an own record's secret key wrap as it came, unopened (ADR 0095): a wrap the server tampered with
 * is first noticed here, when the record is opened offline, and is the offline database's integrity
 * failure (`offline_corrupt`, exit 6), naming the record only.
 */
import { SafeholdError } from '@safehold/protocol';
import { openOwnRecordKey } from '../keys/index.js';

export function openStoredSecretKey(userKey: Uint8Array, user: string, recordId: string, blob: Uint8Array): Uint8Array {
  try {
    return openOwnRecordKey(userKey, user, recordId, 'secret', blob);
  } catch {
    throw new SafeholdError('offline_corrupt', `record ${recordId} failed integrity check in the offline database: its secret key was tampered with or corrupted`);
  }
}
