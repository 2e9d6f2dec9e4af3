import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { SafeholdError } from '@safehold/protocol';
import { ApiClient } from './http.js';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${addr.port}` };
}

const code = (c: string) => (e: unknown) => e instanceof SafeholdError && e.code === c;

test('a refused connection is unreachable (exit 7)', async () => {
  const { server, url } = await listen(() => {});
  server.close();
  await new Promise((r) => server.on('close', r));
  const api = new ApiClient({ baseUrl: url });
  await assert.rejects(api.request('GET', '/health', { anonymous: true }), (e) => code('unreachable')(e) && (e as SafeholdError).exitCode === 7);
});

test('a server that accepts but never answers is unreachable after the request timeout', async (t) => {
  const server = createNetServer(() => {
    /* accept and stay silent */
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const addr = server.address();
  assert.ok(addr && typeof addr !== 'string');
  const api = new ApiClient({ baseUrl: `http://127.0.0.1:${addr.port}`, requestTimeoutMs: 300 });
  await assert.rejects(api.request('GET', '/health', { anonymous: true }), code('unreachable'));
  api.close();
  server.unref();
});

test('502/503/504 are unreachable; other 5xx are server errors; error bodies keep their code', async (t) => {
  let status = 503;
  let body = '';
  const { server, url } = await listen((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  t.after(() => server.close());
  const api = new ApiClient({ baseUrl: url });
  for (const s of [502, 503, 504]) {
    status = s;
    await assert.rejects(api.request('GET', '/x'), code('unreachable'));
  }
  status = 500;
  body = 'oops';
  await assert.rejects(api.request('GET', '/x'), (e) => code('server_error')(e) && (e as SafeholdError).exitCode === 1);
  status = 409;
  body = JSON.stringify({ error: { code: 'stale_revision', message: 'base revision is not current' } });
  await assert.rejects(api.request('PUT', '/x', { body: {} }), (e) => code('stale_revision')(e) && (e as Error).message === 'base revision is not current');
  status = 404;
  body = JSON.stringify({ error: { code: 'no_such_code', message: 'gone' } });
  await assert.rejects(api.request('GET', '/x'), code('not_found'));
});

test('a 401 unauthorized triggers one re-login and a retry with the new token', async (t) => {
  const seen: string[] = [];
  const { server, url } = await listen((req, res) => {
    seen.push(req.headers.authorization ?? '');
    if (req.headers.authorization !== 'Bearer fresh-token') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'session expired' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true }));
  });
  t.after(() => server.close());
  let logins = 0;
  const api = new ApiClient({ baseUrl: url, token: 'old-token', reauth: async () => (logins++, 'fresh-token') });
  assert.deepEqual(await api.request('GET', '/me'), { ok: true });
  assert.equal(logins, 1);
  assert.deepEqual(seen, ['Bearer old-token', 'Bearer fresh-token']);
  const noRelogin = new ApiClient({ baseUrl: url, token: 'old-token' });
  await assert.rejects(noRelogin.request('GET', '/me'), code('unauthorized'));
  api.close();
  noRelogin.close();
});

test('an answer of unexpected shape is a server error', async (t) => {
  const { server, url } = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: 'yes' }));
  });
  t.after(() => server.close());
  const api = new ApiClient({ baseUrl: url });
  await assert.rejects(api.request('GET', '/x', { schema: 'Ok' }), code('server_error'));
  api.close();
});
