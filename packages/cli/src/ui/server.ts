/**
 * The local HTTP server of `safehold ui`: 127.0.0.1 only; every request passes the gate (Host, cookie,
 * Origin + anti-CSRF header for state changes); static files of the built page; the JSON API; and a
 * status stream (server-sent events) that carries the status bar's data, never a secret.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { Tickets, baseHeaders, hostOk, isStateChanging, originOk } from './gate.js';
import { handleApi, httpStatusOf, readBody } from './api.js';
import type { UiState } from './state.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The built page's files, read once: only these paths are ever served. */
export function loadStatic(dir: string): Map<string, { type: string; body: Buffer }> {
  const out = new Map<string, { type: string; body: Buffer }>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set('/' + relative(dir, p).split(sep).join('/'), { type: TYPES[extname(n)] ?? 'application/octet-stream', body: readFileSync(p) });
    }
  };
  try {
    walk(dir);
  } catch {
    /* checked below */
  }
  if (!out.has('/index.html')) throw new SafeholdError('internal', `the web UI is not built (no ${join(dir, 'index.html')}): run \`npm run build\``);
  return out;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

export interface UiServer {
  server: Server;
  port: number;
  tickets: Tickets;
  /** A fresh one-time URL. */
  newUrl(): string;
  close(): Promise<void>;
}

/** Starts listening on 127.0.0.1:port (0 = a free one). */
export async function startUiServer(state: UiState, files: Map<string, { type: string; body: Buffer }>, port: number, env: NodeJS.ProcessEnv): Promise<UiServer> {
  let tickets = new Tickets(0);
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    baseHeaders(res);
    const p = tickets.port;
    if (!hostOk(req, p)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: wrong Host\n');
    if (isStateChanging(req) && !originOk(req, p)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: cross-origin or missing anti-CSRF header\n');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${p}`);
    // The one-time token: exchanged once for a session cookie, then removed from the address bar.
    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      if (!tickets.redeem(url.searchParams.get('token') ?? '')) {
        return send(res, 401, 'text/plain; charset=utf-8', 'this link was already used or is not valid: run `safehold ui` again for a fresh one\n');
      }
      res.setHeader('Set-Cookie', `${tickets.cookieName}=${tickets.newSession()}; HttpOnly; SameSite=Strict; Path=/`);
      res.statusCode = 303;
      res.setHeader('Location', '/');
      res.end();
      return;
    }
    if (!tickets.hasSession(req)) return send(res, 401, 'text/plain; charset=utf-8', 'not signed in to this UI: open the link that `safehold ui` prints\n');
    if (url.pathname === '/api/events' && req.method === 'GET') return stream(res);
    if (url.pathname.startsWith('/api/')) {
      let body: Record<string, unknown> = {};
      try {
        if (isStateChanging(req)) body = await readBody(req);
        // The page's timed re-reads (X-Safehold-Poll: 1) are not the user's activity: they must not hold off the idle lock.
        if (url.pathname !== '/api/status' && req.headers['x-safehold-poll'] !== '1') state.touch();
        const a = await handleApi(state, req.method ?? 'GET', url.pathname.slice('/api'.length), url.searchParams, body, env);
        return sendJson(res, a.status, a.body);
      } catch (e) {
        if (e instanceof SafeholdError) {
          // The reason (e.g. key_changed) lets the page offer the matching step; details never carry a secret.
          const reason = typeof e.details?.reason === 'string' ? { reason: e.details.reason } : {};
          return sendJson(res, httpStatusOf(e), { error: { code: e.code, message: e.message, ...reason } });
        }
        return sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    const f = files.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (!f) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    return send(res, 200, f.type, f.body);
  }

  function stream(res: ServerResponse): void {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();
    const push = (): void => {
      res.write(`data: ${JSON.stringify(state.status())}\n\n`);
    };
    push();
    const off = state.onChange(push);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    streams.add(res);
    res.on('close', () => {
      off();
      clearInterval(beat);
      streams.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new SafeholdError('internal', `port ${port} on 127.0.0.1 is in use: pick another with --port`));
      else if (e.code === 'EACCES') reject(new SafeholdError('internal', `port ${port} on 127.0.0.1 may not be used by this user: pick another with --port`));
      else reject(new SafeholdError('internal', `cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`));
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  tickets = new Tickets(actual);
  return {
    server,
    port: actual,
    tickets,
    newUrl: () => `http://127.0.0.1:${actual}/?token=${tickets.newToken()}`,
    close: () =>
      new Promise<void>((resolve) => {
        tickets.clear();
        for (const s of streams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
