/**
 * Leases (E1) and wipe orders (E2) as payloads the server signs, and the rule that decides a wipe.
 * Pure: the caller passes the time; the server signs JSON.stringify of the payload.
 */
import type { LeasePayload, WipePayload } from '@safehold/protocol/api';

export const DAY_MS = 86_400_000;

export interface LeaseInput {
  server: string;
  user: string;
  device: string;
  db: string;
  offlineDays: number;
  /** The user may edit offline (E5). */
  offlineEdits?: boolean;
  /** epoch ms */
  now: number;
  /** The offline database instance (12.5), when the server holds one for this device. */
  instance?: { id: string; createdAt: number } | null;
}

/** A lease issued now, valid for offlineDays days: expiresAt = issuedAt + offlineDays * 24 h. */
export function leasePayload(i: LeaseInput): LeasePayload {
  if (!Number.isSafeInteger(i.offlineDays) || i.offlineDays < 0) throw new RangeError('offlineDays must be a non-negative integer');
  return {
    type: 'lease',
    server: i.server,
    user: i.user,
    device: i.device,
    db: i.db,
    offlineDays: i.offlineDays,
    issuedAt: new Date(i.now).toISOString(),
    expiresAt: new Date(i.now + i.offlineDays * DAY_MS).toISOString(),
    offlineEdits: i.offlineEdits === true,
    ...(i.instance ? { instance: i.instance.id, instanceCreatedAt: new Date(i.instance.createdAt).toISOString() } : {}),
  };
}

export type LeaseState = 'valid' | 'expired' | 'clock_moved_back';

/**
 * E1, for clients: a lease is usable while now < expiresAt and the clock has not moved back
 * before the latest time recorded at a successful sync or offline unlock.
 */
export function leaseState(lease: Pick<LeasePayload, 'expiresAt'>, now: number, latestRecorded: number): LeaseState {
  if (now < latestRecorded) return 'clock_moved_back';
  const exp = Date.parse(lease.expiresAt);
  if (!Number.isFinite(exp) || now >= exp) return 'expired';
  return 'valid';
}

export type WipeReason = WipePayload['reason'];

/** The state of one offline database's (device, user, db) as the server sees it now. */
export interface WipeFacts {
  deviceRevoked: boolean;
  /** The user was removed from the server, or is no longer a member of the database. */
  userRemoved: boolean;
  offlineEnabled: boolean;
  offlineRight: boolean;
}

/**
 * E2: the reason to wipe, or null when the offline database may stay. When several hold, the
 * widest wins: a revoked device, then a removed user, then the database switch, then the right.
 */
export function wipeReason(f: WipeFacts): WipeReason | null {
  if (f.deviceRevoked) return 'device_revoked';
  if (f.userRemoved) return 'user_removed';
  if (!f.offlineEnabled) return 'offline_disabled';
  if (!f.offlineRight) return 'right_withdrawn';
  return null;
}

export interface WipeInput {
  server: string;
  user: string;
  device: string;
  db: string | null;
  reason: WipeReason;
  now: number;
  /** The order's id and the offline database instance it is for (12.4, 12.5). */
  id?: string;
  instance?: { id: string; createdAt: number };
}

/** A wipe order issued now. */
export function wipePayload(i: WipeInput): WipePayload {
  return {
    type: 'wipe',
    server: i.server,
    user: i.user,
    device: i.device,
    db: i.db,
    reason: i.reason,
    issuedAt: new Date(i.now).toISOString(),
    ...(i.id ? { id: i.id } : {}),
    ...(i.instance ? { instance: i.instance.id, instanceCreatedAt: new Date(i.instance.createdAt).toISOString() } : {}),
  };
}
