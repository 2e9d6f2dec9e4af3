/**
 * The endpoint table of @safehold/protocol and the server's routes are the same list: every entry has a
 * route (method and path from the entry) and every route an entry; no route file registers a path of its own.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENDPOINTS } from '@safehold/protocol/endpoints';
import { api, registeredRoutes, registerTestUser, startTestServer, type TestServer } from '@safehold/testkit';
import { routePath } from './route.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ backend: 'sqlite' });
});
after(() => s?.close());

test('every endpoint table entry has its route, and every route an entry', () => {
  const table = Object.values(ENDPOINTS).map((ep) => `${ep.method} ${routePath(ep)}`);
  assert.equal(new Set(table).size, table.length, 'no two entries name the same method and path');
  assert.deepEqual([...registeredRoutes(s.app)].sort(), [...table].sort());
});

test('a route answers what its entry says: its public/session rule and its answer schema', async () => {
  const alice = await registerTestUser(s, 'alice', 'main');
  const { schemaOf } = await import('@safehold/protocol/schemas');
  const me = await api(s.url, ENDPOINTS.me.method, routePath(ENDPOINTS.me), { token: alice.token });
  assert.equal(me.status, 200);
  assert.ok(schemaOf(ENDPOINTS.me.response).safeParse(me.body).success, 'GET /me answers the Me schema');
  const anonymous = await api(s.url, ENDPOINTS.me.method, routePath(ENDPOINTS.me));
  assert.equal(anonymous.status, 401, 'a session endpoint refuses a request without a session');
  const health = await api(s.url, ENDPOINTS.health.method, routePath(ENDPOINTS.health));
  assert.equal(health.status, 200, 'a public endpoint needs no session');
  assert.ok(schemaOf(ENDPOINTS.health.response).safeParse(health.body).success);
});

test('no route file registers a route by hand: every one goes through the table', () => {
  // Specs run from dist/http; the route sources are beside them in src/http/routes.
  const dir = fileURLToPath(new URL('../../src/http/routes/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  assert.ok(files.length >= 6, `found ${files.length} route files`);
  for (const f of files) {
    const src = readFileSync(dir + f, 'utf8');
    assert.doesNotMatch(src, /\bapp\.(get|post|put|delete|patch|route)\s*\(/, `${f} registers a route outside the table`);
    assert.doesNotMatch(src, /['`]\/(v1|db|me|users|devices)\b/, `${f} spells an API path`);
  }
});
