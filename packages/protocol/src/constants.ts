/**
 * Wire constants and the signed-document payload checks, free of zod: the offline path (unlock, list,
 * search) loads this module and not the schemas of `@safehold/protocol/api`, which cost more start-up
 * time than the rest of the CLI together. api.ts re-exports the constants and defines the same
 * payloads as schemas; a test in @safehold/domain holds the two checks to the same answers.
 */
import { NAME_PATTERN, RANDOM_ID_PATTERN } from './ids.js';

/** Largest page of a sync. */
/** The version segment of every API path (`/v1/...`): the server's routes and the SDK's client both use it. */
export const API_VERSION = 'v1';

export const MAX_SYNC_LIMIT = 2000;
export const DEFAULT_SYNC_LIMIT = 500;
/** Largest key adoption batch. */
export const MAX_ADOPT_BATCH = 2000;

/** Most queued offline changes in one push request (E5). */
export const MAX_PUSH_OPS = 100;

export const RIGHTS = ['read', 'write', 'delete', 'authorize', 'export'] as const;
export const WIPE_REASONS = ['offline_disabled', 'right_withdrawn', 'user_removed', 'device_revoked'] as const;

/** The payload of a lease (JSON in a signed document). Times are ISO strings. */
export interface LeasePayloadShape {
  type: 'lease';
  server: string;
  user: string;
  device: string;
  db: string;
  offlineDays: number;
  issuedAt: string;
  expiresAt: string;
  offlineEdits?: boolean;
  /** The offline database instance the lease is for (12.5): a random id and its creation time on the server. */
  instance?: string;
  instanceCreatedAt?: string;
}

/** The payload of a wipe order. `db` null means every offline database of this user on the device. */
export interface WipePayloadShape {
  type: 'wipe';
  server: string;
  user: string;
  device: string;
  db: string | null;
  reason: (typeof WIPE_REASONS)[number];
  issuedAt: string;
  /** The order's id (the device acknowledges it by id, 12.4). */
  id?: string;
  /** The offline database instance the order is for (12.5); a client refuses an order for an older one. */
  instance?: string;
  instanceCreatedAt?: string;
}

// RFC 3339 date-time with seconds and a Z or ±hh:mm offset, as zod's `datetime({ offset: true })` accepts it.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function isIsoTime(s: string): boolean {
  const m = ISO_TIME.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // A real calendar day: month 1-12, day within that month (29 February only in leap years).
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return days !== undefined && d >= 1 && d <= days;
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isName = (x: unknown): x is string => isStr(x) && NAME_PATTERN.test(x);
const isId = (x: unknown): x is string => isStr(x) && RANDOM_ID_PATTERN.test(x);
const isTime = (x: unknown): x is string => isStr(x) && isIsoTime(x);

function hasExactly(o: unknown, keys: readonly string[], optional: readonly string[] = []): o is Record<string, unknown> {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return false;
  const own = Object.keys(o);
  const present = optional.filter((k) => Object.hasOwn(o, k)).length;
  return own.length === keys.length + present && keys.every((k) => Object.hasOwn(o, k));
}

/** The instance binding of a lease or order: both fields or neither, well-formed. */
function instanceOf(x: Record<string, unknown>): { instance?: string; instanceCreatedAt?: string } | null {
  const { instance, instanceCreatedAt } = x;
  if (instance === undefined && instanceCreatedAt === undefined) return {};
  if (!isStr(instance) || instance.length < 1 || instance.length > 64 || !isTime(instanceCreatedAt)) return null;
  return { instance, instanceCreatedAt };
}

const INSTANCE_KEYS = ['instance', 'instanceCreatedAt'] as const;

const LEASE_KEYS = ['type', 'server', 'user', 'device', 'db', 'offlineDays', 'issuedAt', 'expiresAt'] as const;
const WIPE_KEYS = ['type', 'server', 'user', 'device', 'db', 'reason', 'issuedAt'] as const;

/** The lease payload when `x` is exactly one (every field present and well-formed, no other field), else null. */
export function asLeasePayload(x: unknown): LeasePayloadShape | null {
  // `offlineEdits` (E5) and the instance binding (12.5) are optional: leases of older servers lack them.
  if (!hasExactly(x, LEASE_KEYS, [...INSTANCE_KEYS, 'offlineEdits'])) return null;
  const { type, server, user, device, db, offlineDays, issuedAt, expiresAt, offlineEdits } = x;
  if (type !== 'lease' || !isStr(server) || !isName(user) || !isId(device) || !isName(db)) return null;
  if (typeof offlineDays !== 'number' || !Number.isSafeInteger(offlineDays) || offlineDays < 0 || !isTime(issuedAt) || !isTime(expiresAt)) return null;
  if (offlineEdits !== undefined && typeof offlineEdits !== 'boolean') return null;
  const inst = instanceOf(x);
  if (!inst) return null;
  return { type, server, user, device, db, offlineDays, issuedAt, expiresAt, ...(offlineEdits !== undefined ? { offlineEdits } : {}), ...inst };
}

/** The wipe order payload when `x` is exactly one, else null. */
export function asWipePayload(x: unknown): WipePayloadShape | null {
  if (!hasExactly(x, WIPE_KEYS, ['id', ...INSTANCE_KEYS])) return null;
  const { type, server, user, device, db, reason, issuedAt } = x;
  if (type !== 'wipe' || !isStr(server) || !isName(user) || !isId(device) || !(db === null || isName(db)) || !isTime(issuedAt)) return null;
  if (!(WIPE_REASONS as readonly unknown[]).includes(reason)) return null;
  const inst = instanceOf(x);
  if (!inst || (x['id'] !== undefined && !isId(x['id']))) return null;
  const id = x['id'] as string | undefined;
  return { type, server, user, device, db, reason: reason as WipePayloadShape['reason'], issuedAt, ...(id !== undefined ? { id } : {}), ...inst };
}

/** The bytes a device signs to fetch its wipe orders (`orderId` null) or to acknowledge one (12.4). */
export function deviceRequestMessage(r: { device: string; user: string; at: string; orderId: string | null }): Uint8Array {
  const what = r.orderId === null ? 'orders' : `ack\0${r.orderId}`;
  return new TextEncoder().encode(`safehold/v1/device-request\0${what}\0${r.device}\0${r.user}\0${r.at}`);
}
