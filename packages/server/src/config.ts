/**
 * Limits on failed logins (issue 12.8). Counted in the login_failures table, so every server process
 * on one database agrees. Refusals are per (user, address) and per address only, so nobody elsewhere
 * can lock an account out; per user over all addresses, attempts are slowed down (capped) instead.
 * Successful logins are never limited (many clients behind one address work).
 */
export interface RateLimits {
  /** Failed logins allowed per (user name, client address) within `windowMs`; then that pair is refused. */
  userFailures: number;
  /** Failed logins allowed per client address within `windowMs`; then the address is refused. */
  addressFailures: number;
  windowMs: number;
  /** Failed logins of one user name (any address) within the window before each further attempt waits. */
  userSlowdownAfter: number;
  /** The first wait; each further failure doubles it, up to `slowdownCapMs`. */
  slowdownBaseMs: number;
  /** The longest wait: a correct login never waits longer (well inside any client timeout). */
  slowdownCapMs: number;
  /** Failed registrations (unknown, used or expired invite) allowed per address within the window. */
  registerFailures: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  userFailures: 10,
  addressFailures: 50,
  windowMs: 15 * 60 * 1000,
  userSlowdownAfter: 10,
  slowdownBaseMs: 250,
  slowdownCapMs: 2000,
  registerFailures: 20,
};

/** Session lifetime: short-lived tokens (spec §4). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Invite codes expire after a week. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Offline days granted when the offline right is given without a number. */
export const DEFAULT_OFFLINE_DAYS = 7;
/** Last-seen times are written at most this often per session/device (coalesced). */
export const LAST_SEEN_COALESCE_MS = 60 * 1000;

export function resolveLimits(partial?: Partial<RateLimits>): RateLimits {
  return { ...DEFAULT_RATE_LIMITS, ...(partial ?? {}) };
}

/** Reported by GET /v1/health and `--version`. */
export const SERVER_VERSION = '0.1.0';
