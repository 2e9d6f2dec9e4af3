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
  history: Array<{ revision: string; updatedAt: string; updatedBy: string; name: string }>;
}

/** An error answered by the local process, with its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One JSON call. */
export async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['X-Safehold-UI'] = '1';
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch('/api' + path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 401) throw new ApiError(401, 'no_session', 'This tab is no longer signed in to the UI: run `safehold ui` again for a fresh link.');
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('application/json') ? await res.json() : null;
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'internal', e?.message ?? `request failed (HTTP ${res.status})`);
  }
  return data as T;
}

/** The message to show for a failed call. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return 'The Safehold UI process does not answer: is `safehold ui` still running?';
}
