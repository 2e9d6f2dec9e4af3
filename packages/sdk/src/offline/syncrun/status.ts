/** After a successful sync: the plain status file (no secrets), a sidecar that follows the account, no tombstone. */
import type { LeasePayload } from '@safehold/protocol/api';
import { removeIfExists, writeJson, writeSidecar } from '@safehold/store';
import type { OfflineStatusFile } from '../locate.js';
import type { RunState } from './state.js';

export function afterSuccess(s: RunState, lease: LeasePayload | null, total: number, pending: number): void {
  const { paths } = s.target;
  const status: OfflineStatusFile = {
    lastSync: new Date(s.ctx.clock()).toISOString(),
    expiresAt: lease?.expiresAt ?? null,
    records: total,
    enabled: true,
    right: true,
    offlineDays: lease?.offlineDays ?? 0,
    pending,
    ...(lease?.instance && lease.instanceCreatedAt ? { instance: lease.instance, instanceCreatedAt: lease.instanceCreatedAt } : {}),
  };
  writeJson(paths.status, status);
  const a = s.ctx.accountFile;
  // After a password change the sidecar follows the account, so the new password opens the file.
  if (s.sidecar && (s.sidecar.userKeyEnc !== a.userKeyEnc || JSON.stringify(s.sidecar.kdf) !== JSON.stringify(a.kdf))) {
    s.sidecar = { ...s.sidecar, kdf: a.kdf, userKeyEnc: a.userKeyEnc };
    writeSidecar(paths.sidecar, s.sidecar);
  }
  removeIfExists(paths.tombstone);
}
