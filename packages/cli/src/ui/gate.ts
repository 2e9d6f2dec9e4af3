/**
 * The security rules of the local web server (issue 13): exact Host (DNS rebinding), own Origin plus an
 * anti-CSRF header on every state-changing request, a one-time token exchanged for an HttpOnly
 * SameSite=Strict cookie, and the response headers every answer carries. No CORS header is ever sent.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The header the page sends with every state-changing request (a cross-site form or fetch cannot). */
export const CSRF_HEADER = 'x-safehold-ui';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response, errors included. */
export function baseHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of two strings (hashed first so lengths do not leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** One-time tokens (for URLs) and session cookies, held in memory only: they die with the process. */
export class Tickets {
  private readonly tokens = new Set<string>();
  private readonly sessions = new Set<string>();
  constructor(readonly port: number) {}

  /** The cookie's name carries the port: cookies are not isolated by port, two UIs must not mix. */
  get cookieName(): string {
    return `safehold_ui_${this.port}`;
  }

  /** A fresh one-time token (256 random bits). */
  newToken(): string {
    const t = randomBytes(32).toString('base64url');
    this.tokens.add(t);
    return t;
  }

  /** Consumes a token; true once per token. */
  redeem(token: string): boolean {
    for (const t of this.tokens) {
      if (sameSecret(t, token)) {
        this.tokens.delete(t);
        return true;
      }
    }
    return false;
  }

  /** A new session id for a cookie. */
  newSession(): string {
    const s = randomBytes(32).toString('base64url');
    this.sessions.add(s);
    return s;
  }

  /** True when the request carries a live session cookie. */
  hasSession(req: IncomingMessage): boolean {
    const v = cookieValue(req.headers.cookie, this.cookieName);
    if (!v) return false;
    for (const s of this.sessions) if (sameSecret(s, v)) return true;
    return false;
  }

  /** Forgets every token and session (shutdown). */
  clear(): void {
    this.tokens.clear();
    this.sessions.clear();
  }
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

/** The Host values this server answers to. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** True when the Host header is exactly the UI's own. */
export function hostOk(req: IncomingMessage, port: number): boolean {
  const h = req.headers.host;
  return typeof h === 'string' && allowedHosts(port).includes(h.toLowerCase());
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** True for a method that changes state. */
export function isStateChanging(req: IncomingMessage): boolean {
  return !SAFE_METHODS.has(req.method ?? 'GET');
}

/** For a state-changing request: the Origin is the UI's own and the anti-CSRF header is present. */
export function originOk(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || !allowedHosts(port).map((h) => `http://${h}`).includes(origin.toLowerCase())) return false;
  return req.headers[CSRF_HEADER] === '1';
}
