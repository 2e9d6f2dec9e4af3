/**
 * The security rules of `safehold ui` as a local web server (issue 13), over real HTTP against the real
 * process: exact Host (DNS rebinding), own Origin + anti-CSRF header for state changes, no CORS, the
 * one-time token exchanged once for an HttpOnly SameSite=Strict cookie, strict CSP, no-store,
 * no-referrer; the port rules; one UI per home with a fresh URL; clean shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runProcess } from '@safehold/testkit';
import { World, CLIENT_BIN } from './offline-harness.js';
import { startUi, uiEnv } from './ui-harness.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(port: number, path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: { Host: `127.0.0.1:${port}`, ...o.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

function assertNoCors(a: Answer, what: string): void {
  for (const h of Object.keys(a.headers)) assert.ok(!h.startsWith('access-control-'), `${what}: no CORS header (${h})`);
}

function assertHardening(a: Answer, what: string): void {
  const csp = String(a.headers['content-security-policy']);
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(d), `${what}: CSP has ${d}: ${csp}`);
  assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), `${what}: no unsafe-inline/eval`);
  assert.equal(a.headers['cache-control'], 'no-store', `${what}: no-store`);
  assert.equal(a.headers['referrer-policy'], 'no-referrer', `${what}: no-referrer`);
  assertNoCors(a, what);
}

/** A port that something else listens on. */
function busyPort(): Promise<{ port: number; close: () => void }> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      resolve({ port: typeof a === 'object' && a ? a.port : 0, close: () => s.close() });
    });
  });
}

test('safehold ui: Host, Origin, CSRF header, token → cookie, CSP and headers, ports, one UI per home', async (t) => {
  const w = await World.create(t);
  const env = uiEnv(w, 'sec');
  const ui = await startUi(env);
  t.after(async () => {
    await ui.stop();
  });
  const port = ui.port;
  assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  const token = new URL(ui.url).searchParams.get('token') ?? '';

  // No cookie: 401 and no page content, on the page, the assets and the API.
  for (const path of ['/', '/index.html', '/icon.svg', '/api/status', '/api/events']) {
    const a = await http(port, path);
    assert.equal(a.status, 401, `${path} without the cookie`);
    assert.ok(!/<html|<script|unlocked/i.test(a.body), `${path}: no page content without the cookie`);
    assertHardening(a, `${path} without cookie`);
  }

  // DNS rebinding: any other Host is refused before anything else, the token included.
  for (const host of ['evil.example:' + port, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.evil.example:${port}`, `[::1]:${port}`]) {
    const a = await http(port, `/?token=${token}`, { headers: { Host: host } });
    assert.equal(a.status, 403, `Host ${host}`);
    assertHardening(a, `Host ${host}`);
  }

  // The token: exchanged once for an HttpOnly SameSite=Strict cookie, then removed from the address bar.
  const ex = await http(port, `/?token=${token}`);
  assert.equal(ex.status, 303);
  assert.equal(ex.headers.location, '/');
  const setCookie = String(ex.headers['set-cookie']);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.doesNotMatch(setCookie, /Expires|Max-Age/i, 'a session cookie: it dies with the process');
  const cookie = setCookie.split(';')[0] ?? '';
  const again = await http(port, `/?token=${token}`);
  assert.equal(again.status, 401, 'a reused token');
  assert.ok(!/<html|<script/i.test(again.body));
  assert.equal(again.headers['set-cookie'], undefined);

  // With the cookie: the page, hardened; localhost:PORT is the UI's own host too.
  const page = await http(port, '/', { headers: { Cookie: cookie } });
  assert.equal(page.status, 200);
  assert.match(page.body, /<script type="module" crossorigin src="\/assets\/index-[^"]+\.js"><\/script>/);
  assert.ok(!/<script>|<script type="module">[^<]/.test(page.body), 'no inline script');
  assertHardening(page, 'the page');
  const local = await http(port, '/api/status', { headers: { Cookie: cookie, Host: `localhost:${port}` } });
  assert.equal(local.status, 200);
  assert.equal(JSON.parse(local.body).unlocked, false);
  assertHardening(local, 'the API');

  // State changes: the UI's own Origin and the anti-CSRF header, else 403; a preflight gets no CORS answer.
  const own = `http://127.0.0.1:${port}`;
  const cases: Array<[Record<string, string>, number, string]> = [
    [{}, 403, 'no Origin, no header'],
    [{ 'X-Safehold-UI': '1' }, 403, 'no Origin'],
    [{ Origin: own }, 403, 'no anti-CSRF header'],
    [{ Origin: 'http://evil.example', 'X-Safehold-UI': '1' }, 403, 'foreign Origin'],
    [{ Origin: `http://127.0.0.1:${port + 1}`, 'X-Safehold-UI': '1' }, 403, 'other port'],
    [{ Origin: 'null', 'X-Safehold-UI': '1' }, 403, 'null Origin'],
    [{ Origin: own, 'X-Safehold-UI': '1' }, 200, 'own Origin and header'],
  ];
  for (const [headers, status, what] of cases) {
    const a = await http(port, '/api/lock', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json', ...headers }, body: '{}' });
    assert.equal(a.status, status, what);
    assertNoCors(a, what);
  }
  const noCookie = await http(port, '/api/lock', { method: 'POST', headers: { Origin: own, 'X-Safehold-UI': '1' }, body: '{}' });
  assert.equal(noCookie.status, 401, 'own Origin and header but no cookie');
  const pre = await http(port, '/api/lock', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-safehold-ui' } });
  assert.equal(pre.status, 403);
  assertNoCors(pre, 'preflight');

  // A second `safehold ui` for the same home hands out a fresh URL of the running one (through a 0600 socket).
  const sock = join(env.SAFEHOLD_HOME ?? '', 'ui.sock');
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  const second = await runProcess(process.execPath, [CLIENT_BIN, 'ui', '--no-open'], env);
  assert.equal(second.code, 0, second.stderr);
  const m = /^Safehold UI: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{43})\n$/.exec(second.stdout);
  assert.ok(m, `one line "Safehold UI: <url>": ${second.stdout}`);
  assert.equal(Number(m[2]), port, 'the running UI');
  const fresh = new URL(m[1] ?? '').searchParams.get('token') ?? '';
  assert.notEqual(fresh, token);
  const ex2 = await http(port, `/?token=${fresh}`);
  assert.equal(ex2.status, 303, 'the fresh token works once');
  assert.equal((await http(port, `/?token=${fresh}`)).status, 401);

  // Ports: in use → exit 1 with a clear message; a bad value → exit 2.
  const other = uiEnv(w, 'sec2');
  const busy = await busyPort();
  const inUse = await runProcess(process.execPath, [CLIENT_BIN, 'ui', '--no-open', '--port', String(busy.port)], other);
  busy.close();
  assert.equal(inUse.code, 1, inUse.stderr);
  assert.match(inUse.stderr, new RegExp(`port ${busy.port} on 127\\.0\\.0\\.1 is in use`));
  for (const bad of ['abc', '0', '70000', '-1']) {
    const r = await runProcess(process.execPath, [CLIENT_BIN, 'ui', '--no-open', `--port=${bad}`], other);
    assert.equal(r.code, 2, `--port ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--port takes a whole number from 1 to 65535/);
  }

  // Clean shutdown on SIGTERM: exit 0, the socket gone, the port closed (the cookie died with the process).
  assert.equal(await ui.stop(), 0, ui.stderr());
  assert.ok(!existsSync(sock), 'the socket is removed');
  await assert.rejects(http(port, '/api/status', { headers: { Cookie: cookie } }));
});
