/**
 * The one error type of Safehold. `code` is stable (scripts and the HTTP API depend on it);
 * the table maps each code to its HTTP status and to the CLI exit code of spec §3.
 * A message never contains a secret, a token or key material.
 */
export const ERROR_CODES = {
  // exit 1: other errors
  internal: { status: 500, exit: 1 },
  server_error: { status: 502, exit: 1 }, // the server answered 5xx (client side)
  integrity: { status: 500, exit: 1 }, // ciphertext failed authentication: tampered, swapped or wrong key
  // exit 2: usage
  bad_request: { status: 400, exit: 2 },
  payload_too_large: { status: 413, exit: 2 },
  // exit 3: authentication
  unauthorized: { status: 401, exit: 3 }, // no, expired or revoked session
  bad_credentials: { status: 401, exit: 3 }, // wrong master password / auth key
  bad_invite: { status: 401, exit: 3 }, // unknown, used or expired invite code
  rate_limited: { status: 429, exit: 3 },
  device_revoked: { status: 401, exit: 3 },
  // exit 4: not found (also a record you may not read, and a malformed id)
  not_found: { status: 404, exit: 4 },
  // exit 5: forbidden
  forbidden: { status: 403, exit: 5 }, // a right you lack
  sealed: { status: 403, exit: 5 }, // secret withheld by a seal
  masked: { status: 403, exit: 5 }, // reveal of a masked secret
  offline_edits_forbidden: { status: 403, exit: 5 }, // E5: add/edit/rm offline without the offline-edits right
  // exit 6: the offline database's own state
  offline_not_enabled: { status: 403, exit: 6 }, // the admin has not enabled offline mode for the database
  offline_no_right: { status: 403, exit: 6 }, // the user lacks the offline right
  offline_expired: { status: 403, exit: 6 },
  offline_wiped: { status: 410, exit: 6 },
  offline_missing: { status: 404, exit: 6 }, // --offline with no offline database
  offline_locked: { status: 429, exit: 6 }, // too many failed offline unlocks; wait
  offline_corrupt: { status: 500, exit: 6 },
  // exit 7: server needed but unreachable
  unreachable: { status: 503, exit: 7 },
  // exit 8: conflict
  conflict: { status: 409, exit: 8 }, // already exists
  stale_revision: { status: 409, exit: 8 }, // base revision is not the current one
  offline_pending: { status: 409, exit: 8 }, // E5: queued offline changes would be lost (remove, logout, path) without --force
} as const satisfies Record<string, { status: number; exit: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, s);
}

/** The wire shape of every error answer: `{"error":{"code","message"}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** Safehold's error: a stable code, a human message, optional non-secret details. */
export class SafeholdError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SafeholdError';
    this.code = code;
    this.details = details;
  }
  /** HTTP status for this error. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
  /** CLI exit code for this error (spec §3). */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** Exit code for any thrown value: SafeholdError by its code, anything else 1. */
export function exitCodeOf(e: unknown): number {
  return e instanceof SafeholdError ? e.exitCode : 1;
}

export const EXIT = { ok: 0, other: 1, usage: 2, auth: 3, notFound: 4, forbidden: 5, offline: 6, unreachable: 7, conflict: 8 } as const;
