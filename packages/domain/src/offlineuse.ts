/**
 * The client's side of leases and wipe orders (spec §2 E1, E2; §4): may the offline database be used,
 * and is a lease or a wipe order genuine? Pure, no I/O. Signature checking takes
 * the verify function as a parameter, so this module stays free of crypto dependencies.
 */
import { asLeasePayload, asWipePayload } from '@safehold/protocol';
import type { LeasePayload, Signed, WipePayload } from '@safehold/protocol/api';
import { leaseState } from './lease.js';

/** Ed25519 verification: true only for a valid signature of `message` by `publicKey`. */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export type OfflineUseDecision =
  | { ok: true }
  | { ok: false; reason: 'expired' | 'clock_moved_back'; expiredAt: string };

/**
 * May the offline database be used now? Refused once `lease.expiresAt` has passed, or when the clock
 * reads earlier than the latest time recorded at a successful sync or offline unlock (a clock moved
 * back is treated as expired, E1). Pure: the caller records nothing on refusal.
 */
export function checkOfflineUse(args: { lease: LeasePayload; now: number; latestRecordedTime: number }): OfflineUseDecision {
  const state = Number.isFinite(args.now) ? leaseState(args.lease, args.now, args.latestRecordedTime) : 'expired';
  if (state === 'valid') return { ok: true };
  return { ok: false, reason: state, expiredAt: args.lease.expiresAt };
}

function b64urlToBytes(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** True when `signed.signature` is the pinned key's signature over the UTF-8 bytes of `signed.payload`. */
export function isSignedBy(signed: Signed, pinnedKey: Uint8Array, verify: VerifyFn): boolean {
  if (typeof signed?.payload !== 'string' || typeof signed?.signature !== 'string') return false;
  const sig = b64urlToBytes(signed.signature);
  if (!sig) return false;
  return verify(pinnedKey, new TextEncoder().encode(signed.payload), sig);
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** What a lease or order must be about: this user, this device (and this db for a lease). */
export interface Expected {
  user: string;
  device: string;
  db: string;
  /** The server's id, when the client knows it (12.11): a lease of another server signed with the same key is refused. */
  server?: string;
}

export type LeaseCheck = { ok: true; lease: LeasePayload } | { ok: false; why: 'bad_signature' | 'malformed' | 'not_ours' };

/**
 * Verifies a signed lease against the pinned server key and checks it is for this user, device and db.
 * A forged, edited or foreign lease is refused.
 */
export function verifyLease(signed: Signed, pinnedKey: Uint8Array, verify: VerifyFn, expected: Expected): LeaseCheck {
  if (!isSignedBy(signed, pinnedKey, verify)) return { ok: false, why: 'bad_signature' };
  const l = asLeasePayload(parseJson(signed.payload));
  if (!l) return { ok: false, why: 'malformed' };
  if (l.user !== expected.user || l.device !== expected.device || l.db !== expected.db) return { ok: false, why: 'not_ours' };
  if (expected.server !== undefined && l.server !== expected.server) return { ok: false, why: 'not_ours' };
  return { ok: true, lease: l };
}

export type WipeCheck = { ok: true; order: WipePayload } | { ok: false; why: 'bad_signature' | 'malformed' | 'not_ours' | 'older_instance' };

/** The offline database instance a client holds (from its last lease), when it knows one. */
export interface LocalInstance {
  instance: string;
  instanceCreatedAt: string;
}

/**
 * 12.5: may this order wipe the offline database instance the client holds? Refused when it is bound to
 * an instance created before the local one, to another instance of the same time, or to none at all
 * while the client knows its instance (an order replayed against a database re-created since).
 * An order for a newer instance is honoured: the local file is no newer than what it names.
 */
export function orderFitsInstance(order: WipePayload, local: LocalInstance | null): boolean {
  if (!local) return true;
  if (order.instance === undefined || order.instanceCreatedAt === undefined) return false;
  const o = Date.parse(order.instanceCreatedAt);
  const l = Date.parse(local.instanceCreatedAt);
  if (!Number.isFinite(o) || !Number.isFinite(l) || o < l) return false;
  return o > l || order.instance === local.instance;
}

/**
 * Verifies a signed wipe order: signed by the pinned key, for this user and device, and for this db
 * (or for every db: `db` null). Anything else is to be ignored (an unsigned "wipe" never wipes).
 */
export function verifyWipeOrder(signed: Signed, pinnedKey: Uint8Array, verify: VerifyFn, expected: Expected, local: LocalInstance | null = null): WipeCheck {
  if (!isSignedBy(signed, pinnedKey, verify)) return { ok: false, why: 'bad_signature' };
  const o = asWipePayload(parseJson(signed.payload));
  if (!o) return { ok: false, why: 'malformed' };
  if (o.user !== expected.user || o.device !== expected.device) return { ok: false, why: 'not_ours' };
  if (o.db !== null && o.db !== expected.db) return { ok: false, why: 'not_ours' };
  if (!orderFitsInstance(o, local)) return { ok: false, why: 'older_instance' };
  return { ok: true, order: o };
}

/** A human sentence for a wipe reason (for `offline status`). */
export function wipeReasonText(reason: string): string {
  switch (reason) {
    case 'offline_disabled':
      return 'offline mode was disabled for this database';
    case 'right_withdrawn':
      return 'the offline right was withdrawn';
    case 'user_removed':
      return 'the user was removed from this database';
    case 'device_revoked':
      return 'this device was revoked';
    default:
      return 'the server ordered a wipe';
  }
}
