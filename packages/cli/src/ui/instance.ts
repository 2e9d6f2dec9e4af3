/**
 * One `safehold ui` per home: the running one listens on a local socket in the home (mode 0600, in the
 * 0700 home), and a second `safehold ui` asks it for a fresh one-time URL instead of starting another.
 */
import { createConnection, createServer, type Server } from 'node:net';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The socket path of a home. */
export function socketPath(homeDir: string): string {
  return join(homeDir, 'ui.sock');
}

/** Asks a running UI of this home for a fresh URL; null when none runs (a stale socket is removed). */
export function askRunning(homeDir: string, timeoutMs = 3000): Promise<string | null> {
  const path = socketPath(homeDir);
  return new Promise((resolve) => {
    let buf = '';
    let settled = false;
    const done = (v: string | null): void => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(v);
    };
    const sock = createConnection(path);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write('new-url\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        try {
          const v = JSON.parse(buf.slice(0, i)) as { url?: unknown };
          done(typeof v.url === 'string' ? v.url : null);
        } catch {
          done(null);
        }
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') rmSync(path, { force: true });
      done(null);
    });
    sock.setTimeout(timeoutMs, () => done(null));
  });
}

/** Serves fresh URLs to a later `safehold ui` of the same home. */
export async function listenForOthers(homeDir: string, newUrl: () => string): Promise<Server> {
  mkdirSync(homeDir, { recursive: true, mode: 0o700 });
  const path = socketPath(homeDir);
  rmSync(path, { force: true });
  const srv = createServer((sock) => {
    sock.setEncoding('utf8');
    let buf = '';
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) {
        if (buf.startsWith('new-url\n')) sock.end(JSON.stringify({ url: newUrl() }) + '\n');
        else sock.end();
      }
    });
    sock.on('error', () => sock.destroy());
  });
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(path, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  chmodSync(path, 0o600);
  return srv;
}
