/** Calls to the local UI process. Every state-changing call carries the anti-CSRF header. */
import type { UiStatus } from '@safehold/protocol/ui';

/** The status the local process streams (never a secret): the one definition both sides use. */
export type Status = UiStatus;

export interface Row {
  id: string;
  name: string;
  username: string;
  url: string;
  tags: string[];
  masked: boolean;
  sealed: boolean;
}

export interface RecordView extends Row {
  notes: string;
  fields: Array<{ name: string; secret: boolean; value?: string }>;
  rights: string[];
  revision: string;
  updatedAt: string;
}

export interface Detail {
  record: RecordView;
  canReveal: boolean;
  canCopy: boolean;
  source: 'server' | 'offline';
}

/** An error answered by the local process, with its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A finer reason where the local process gives one (e.g. `key_changed`). */
    readonly reason: string | null = null,
  ) {
    super(message);
  }
}

export const RIGHTS = ['read', 'write', 'delete', 'authorize', 'export'] as const;

/** `safehold rights --json`: every grant, the creator's own included, with users' key fingerprints. */
export interface Rights {
  record: string;
  creator: string;
  grants: Array<({ user: string; fingerprint?: string | null; keyChanged?: boolean } | { role: string }) & { rights: string[] }>;
}

/** `safehold role list --json`, one role. */
export interface Role {
  name: string;
  creator: string;
  members: string[];
  fingerprint: string;
  member: boolean;
}

/** `safehold release list --json`, one request (plus whether this UI process approved it). */
export interface Release {
  id: string;
  record: string;
  recordName: string | null;
  requester: string;
  reason: string;
  kind: 'read' | 'unseal';
  approvals: number;
  required: number;
  status: 'pending' | 'approved' | 'expired';
  expiresAt: string | null;
  approvers: string[];
  createdAt: string;
  approvedByMe: boolean;
}

export interface Releases {
  releases: Release[];
  me: string;
  pending: number;
  now: string;
}

/** A history entry (no secret: an old secret comes one revision at a time through reveal). */
export interface Revision {
  revision: string;
  updatedAt: string;
  updatedBy: string;
  name: string;
  username: string;
  url: string;
  notes: string;
  tags: string[];
  conflict?: boolean;
}

/** The time from `now` to `end` (an ISO time or epoch milliseconds), as "m min s s". */
export function timeLeft(end: string | number, now: number): string {
  const at = typeof end === 'number' ? end : Date.parse(end);
  const s = Math.max(0, Math.round((at - now) / 1000));
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** One JSON call (`poll`: a timed re-read). */
export async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, opts: { poll?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  // A timed re-read, not the user's doing: the local process does not count it against the idle lock.
  if (opts.poll) headers['X-Safehold-Poll'] = '1';
  if (method !== 'GET') {
    headers['X-Safehold-UI'] = '1';
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch('/api' + path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 401) throw new ApiError(401, 'no_session', 'This tab is no longer signed in to the UI: run `safehold ui` again for a fresh link.');
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('application/json') ? await res.json() : null;
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; reason?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'internal', e?.message ?? `request failed (HTTP ${res.status})`, e?.reason ?? null);
  }
  return data as T;
}

/** The message to show for a failed call. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return 'The Safehold UI process does not answer: is `safehold ui` still running?';
}
