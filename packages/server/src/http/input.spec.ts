/**
 * Every route of the HTTP API against bad input, through a real listening server on both backends:
 * no session -> 401, an unknown field (body or query) -> 400, malformed or wrongly typed bodies -> 400,
 * oversize bodies and URLs -> 413, malformed ids and names -> 404; always the one error shape.
 * The route table is checked against the routes the app registers, so a new route cannot be missed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordWire, Release } from '@safehold/protocol/api';
import {
  api,
  b64,
  newId,
  fakeRegistration,
  forEachBackend,
  rawRequest,
  registerTestUser,
  registeredRoutes,
  startTestServer,
  type ApiAnswer,
  type TestServer,
  type TestUser,
} from '@safehold/testkit';

/** Asserts `{"error":{"code","message"}}` with that status and code, and nothing else. */
function assertErrorShape(r: ApiAnswer<unknown>, status: number, code: string, what: string): string {
  assert.equal(r.status, status, `${what}: expected ${status} ${code}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, what);
  const body = r.body as { error?: { code?: unknown; message?: unknown } };
  assert.deepEqual(Object.keys(body), ['error'], what);
  assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'message'], what);
  assert.equal(body.error?.code, code, what);
  assert.equal(typeof body.error?.message, 'string', what);
  return String(body.error?.message);
}

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path as registered (fastify syntax). */
  template: string;
  /** A concrete path that works for the test user. */
  path: string;
  auth: boolean;
  /** A valid body (body routes), or null for routes that take none. */
  body: Record<string, unknown> | null;
  /** A valid query string, for routes that need one. */
  query?: string;
  /** The route refuses unknown query parameters (false only for public probes and other helpers' routes). */
  strictQuery: boolean;
  /** Concrete paths with a malformed id or name, each expected to answer 404 (400 when said). */
  malformed?: Array<{ path: string; status?: number }>;
}

forEachBackend('HTTP input validation on every route', (backend) => {
  let s: TestServer;
  let alice: TestUser;
  let rec: RecordWire;
  let sealed: RecordWire;
  let release: Release;
  let routes: Route[];

  before(async () => {
    s = await startTestServer({ backend });
    alice = await registerTestUser(s, 'alice', 'main');
    await registerTestUser(s, 'bob', 'main');
    const create = (id = newId()) => ({ id, revision: newId(), header: b64(40), secret: b64(40), keys: { header: b64(60), secret: b64(60) } });
    const mk = async () => (await api<RecordWire>(s.url, 'POST', '/v1/db/main/records', { token: alice.token, body: create() })).body;
    rec = await mk();
    sealed = await mk();
    const sealBody = (base: string) => ({
      approvers: ['bob'],
      required: 1,
      windowMinutes: 10,
      baseRevision: base,
      revision: newId(),
      header: b64(40),
      secret: b64(40),
      secretKeys: [{ holder: { kind: 'user', user: 'alice' }, secret: b64(60) }],
    });
    const sr = await api<RecordWire>(s.url, 'PUT', `/v1/db/main/records/${sealed.id}/seal`, { token: alice.token, body: sealBody(sealed.revision) });
    assert.equal(sr.status, 200, JSON.stringify(sr.body));
    release = (await api<Release>(s.url, 'POST', `/v1/db/main/records/${sealed.id}/releases`, { token: alice.token, body: { reason: 'test' } })).body;
    const role = await api(s.url, 'POST', '/v1/db/main/roles', { token: alice.token, body: { name: 'team', publicKey: b64(32), memberKey: b64(80) } });
    assert.equal(role.status, 200, JSON.stringify(role.body));

    const R = `/v1/db/main/records/${rec.id}`;
    const badRecord = (suffix: string) => [
      { path: `/v1/db/main/records/not-an-id${suffix}` },
      { path: `/v1/db/main/records/${newId()}${suffix}` },
      { path: `/v1/db/-bad-/records/${rec.id}${suffix}` },
    ];
    const kdf = { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1, salt: b64(16) };
    routes = [
      { method: 'GET', template: '/v1/health', path: '/v1/health', auth: false, body: null, strictQuery: false },
      { method: 'GET', template: '/v1/server-key', path: '/v1/server-key', auth: false, body: null, strictQuery: false },
      { method: 'POST', template: '/v1/prelogin', path: '/v1/prelogin', auth: false, body: { user: 'alice' }, strictQuery: true },
      { method: 'POST', template: '/v1/register', path: '/v1/register', auth: false, body: fakeRegistration('zed', b64(24)).body, strictQuery: true },
      {
        method: 'POST',
        template: '/v1/login',
        path: '/v1/login',
        auth: false,
        body: { user: 'alice', authKey: b64(32), device: { id: newId(), name: 'x' } },
        strictQuery: true,
      },
      { method: 'POST', template: '/v1/logout', path: '/v1/logout', auth: true, body: null, strictQuery: true },
      { method: 'GET', template: '/v1/me', path: '/v1/me', auth: true, body: null, strictQuery: true },
      {
        method: 'PUT',
        template: '/v1/me/password',
        path: '/v1/me/password',
        auth: true,
        body: { currentAuthKey: b64(32), authKey: b64(32), kdf, userKeyEnc: b64(60) },
        strictQuery: true,
      },
      {
        method: 'GET',
        template: '/v1/users/:user/public-key',
        path: '/v1/users/bob/public-key',
        auth: true,
        body: null,
        strictQuery: true,
        malformed: [{ path: '/v1/users/..bob/public-key' }, { path: `/v1/users/${'a'.repeat(65)}/public-key` }],
      },
      { method: 'GET', template: '/v1/db/:db/records', path: '/v1/db/main/records', auth: true, body: null, strictQuery: true, malformed: [{ path: '/v1/db/..x/records' }] },
      {
        method: 'POST',
        template: '/v1/db/:db/records',
        path: '/v1/db/main/records',
        auth: true,
        body: create(),
        strictQuery: true,
        malformed: [{ path: '/v1/db/no-such-db/records' }],
      },
      { method: 'GET', template: '/v1/db/:db/records/:id', path: R, auth: true, body: null, strictQuery: true, malformed: badRecord('') },
      {
        method: 'PUT',
        template: '/v1/db/:db/records/:id',
        path: R,
        auth: true,
        body: { baseRevision: rec.revision, revision: newId(), header: b64(40), secret: b64(40) },
        strictQuery: true,
        malformed: badRecord(''),
      },
      { method: 'DELETE', template: '/v1/db/:db/records/:id', path: R, auth: true, body: null, strictQuery: true, malformed: badRecord('') },
      { method: 'GET', template: '/v1/db/:db/records/:id/history', path: `${R}/history`, auth: true, body: null, strictQuery: true, malformed: badRecord('/history') },
      { method: 'GET', template: '/v1/db/:db/records/:id/grants', path: `${R}/grants`, auth: true, body: null, strictQuery: true, malformed: badRecord('/grants') },
      {
        method: 'PUT',
        template: '/v1/db/:db/records/:id/grants',
        path: `${R}/grants`,
        auth: true,
        body: { grantee: { kind: 'user', user: 'bob' }, rights: ['read'], keys: { header: b64(60), secret: b64(60) } },
        strictQuery: true,
        malformed: badRecord('/grants'),
      },
      {
        method: 'DELETE',
        template: '/v1/db/:db/records/:id/grants',
        path: `${R}/grants`,
        query: 'user=bob',
        auth: true,
        body: null,
        // Its query is its input: an unknown parameter is refused by the GrantQuery schema.
        strictQuery: true,
        malformed: badRecord('/grants?user=bob'),
      },
      {
        method: 'PUT',
        template: '/v1/db/:db/records/:id/keys',
        path: `${R}/keys`,
        auth: true,
        body: { header: b64(60), secret: b64(60) },
        strictQuery: true,
        malformed: badRecord('/keys'),
      },
      {
        method: 'POST',
        template: '/v1/db/:db/keys/adopt',
        path: '/v1/db/main/keys/adopt',
        auth: true,
        body: { keys: [{ record: rec.id, header: b64(60), secret: b64(60) }] },
        strictQuery: true,
        malformed: [{ path: '/v1/db/..x/keys/adopt' }],
      },
      {
        method: 'POST',
        template: '/v1/db/:db/import',
        path: '/v1/db/main/import',
        auth: true,
        body: { format: 'csv', records: [{ ...create(), source: 'S'.repeat(43) }] },
        strictQuery: true,
        malformed: [{ path: '/v1/db/..x/import' }, { path: '/v1/db/nosuchdb/import' }],
      },
      {
        method: 'POST',
        template: '/v1/db/:db/import/check',
        path: '/v1/db/main/import/check',
        auth: true,
        body: { sources: [{ source: 'S'.repeat(43), origin: null }] },
        strictQuery: true,
        malformed: [{ path: '/v1/db/..x/import/check' }],
      },
      {
        method: 'POST',
        template: '/v1/db/:db/export',
        path: '/v1/db/main/export',
        auth: true,
        body: { format: 'kdbx', history: false },
        strictQuery: true,
        malformed: [{ path: '/v1/db/..x/export' }, { path: '/v1/db/nosuchdb/export' }],
      },
      { method: 'PUT', template: '/v1/db/:db/records/:id/mask', path: `${R}/mask`, auth: true, body: { masked: true }, strictQuery: true, malformed: badRecord('/mask') },
      {
        method: 'PUT',
        template: '/v1/db/:db/records/:id/seal',
        path: `${R}/seal`,
        auth: true,
        body: sealBody(rec.revision),
        strictQuery: true,
        malformed: badRecord('/seal'),
      },
      { method: 'DELETE', template: '/v1/db/:db/records/:id/seal', path: `${R}/seal`, auth: true, body: null, strictQuery: true, malformed: badRecord('/seal') },
      {
        method: 'POST',
        template: '/v1/db/:db/records/:id/releases',
        path: `/v1/db/main/records/${sealed.id}/releases`,
        auth: true,
        body: { reason: 'why' },
        strictQuery: true,
        malformed: badRecord('/releases'),
      },
      { method: 'GET', template: '/v1/db/:db/releases', path: '/v1/db/main/releases', auth: true, body: null, strictQuery: true, malformed: [{ path: '/v1/db/..x/releases' }] },
      {
        method: 'POST',
        template: '/v1/db/:db/releases/:rid/approve',
        path: `/v1/db/main/releases/${release.id}/approve`,
        auth: true,
        body: null,
        strictQuery: true,
        malformed: [{ path: '/v1/db/main/releases/nope/approve' }, { path: `/v1/db/main/releases/${newId()}/approve` }],
      },
      { method: 'GET', template: '/v1/db/:db/roles', path: '/v1/db/main/roles', auth: true, body: null, strictQuery: true, malformed: [{ path: '/v1/db/..x/roles' }] },
      {
        method: 'POST',
        template: '/v1/db/:db/roles',
        path: '/v1/db/main/roles',
        auth: true,
        body: { name: 'other', publicKey: b64(32), memberKey: b64(80) },
        strictQuery: true,
        malformed: [{ path: '/v1/db/..x/roles' }],
      },
      {
        method: 'PUT',
        template: '/v1/db/:db/roles/:role/members/:user',
        path: '/v1/db/main/roles/team/members/bob',
        auth: true,
        body: { memberKey: b64(80) },
        strictQuery: true,
        malformed: [{ path: '/v1/db/main/roles/..team/members/bob' }, { path: '/v1/db/main/roles/team/members/..bob' }, { path: '/v1/db/main/roles/ghost/members/bob' }],
      },
      {
        method: 'DELETE',
        template: '/v1/db/:db/roles/:role/members/:user',
        path: '/v1/db/main/roles/team/members/bob',
        auth: true,
        body: null,
        strictQuery: true,
        malformed: [{ path: '/v1/db/main/roles/..team/members/bob' }, { path: '/v1/db/main/roles/team/members/..bob' }],
      },
      // 12.2: role-key signatures (signing key of the caller, signature of a role the caller is a member of).
      {
        method: 'PUT',
        template: '/v1/db/:db/roles/:role/signature',
        path: '/v1/db/main/roles/team/signature',
        auth: true,
        body: { keySignature: { payload: '{}', signature: b64(64) } },
        strictQuery: true,
        malformed: [{ path: '/v1/db/main/roles/..team/signature' }, { path: '/v1/db/main/roles/ghost/signature' }],
      },
      { method: 'PUT', template: '/v1/me/signing-key', path: '/v1/me/signing-key', auth: true, body: { signingKey: b64(32) }, strictQuery: true },
      // The offline routes belong to the Offline Add-on (their own specs cover their inputs in depth).
      { method: 'GET', template: '/v1/db/:db/offline', path: '/v1/db/main/offline', auth: true, body: null, strictQuery: false },
      {
        method: 'GET',
        template: '/v1/db/:db/offline/changes',
        path: '/v1/db/main/offline/changes',
        auth: true,
        body: null,
        strictQuery: true,
      },
      {
        method: 'POST',
        template: '/v1/db/:db/offline/push',
        path: '/v1/db/main/offline/push',
        auth: true,
        body: {
          ops: [{ opId: newId(), kind: 'delete', record: newId(), baseRevision: newId(), revision: null, header: null, secret: null, keys: null, masked: false, conflict: null, conflictFields: 0 }],
        },
        strictQuery: true,
        malformed: [{ path: '/v1/db/no-such-db/offline/push' }],
      },
      // Issue 12.4: the anonymous GET of a device's orders became a POST signed by the device key, plus its acknowledgement.
      {
        method: 'POST',
        template: '/v1/devices/:deviceId/orders',
        path: `/v1/devices/${newId()}/orders`,
        auth: false,
        body: { user: 'alice', at: new Date().toISOString(), signature: b64(64) },
        strictQuery: true,
        malformed: [{ path: '/v1/devices/not-a-device/orders', status: 400 }],
      },
      {
        method: 'POST',
        template: '/v1/devices/:deviceId/orders/:orderId/ack',
        path: `/v1/devices/${newId()}/orders/${newId()}/ack`,
        auth: false,
        body: { user: 'alice', at: new Date().toISOString(), signature: b64(64) },
        strictQuery: true,
        malformed: [{ path: `/v1/devices/${newId()}/orders/not-an-order/ack`, status: 400 }],
      },
      {
        method: 'PUT',
        template: '/v1/me/device-key',
        path: '/v1/me/device-key',
        auth: true,
        body: { publicKey: b64(32) },
        strictQuery: true,
      },
    ];
  });
  after(() => s?.close());

  const withQuery = (r: Route, extra?: string): string => {
    const q = [r.query, extra].filter(Boolean).join('&');
    return q ? `${r.path}${r.path.includes('?') ? '&' : '?'}${q}` : r.path;
  };

  test('the table names every registered route', () => {
    const registered = registeredRoutes(s.app);
    const table = new Set(routes.map((r) => `${r.method} ${r.template}`));
    assert.ok(registered.size >= 30, `parsed ${registered.size} routes`);
    assert.deepEqual([...registered].sort(), [...table].sort());
  });

  test('without a session every authenticated route answers 401 unauthorized', async () => {
    for (const r of routes.filter((x) => x.auth)) {
      const opts = r.body ? { body: r.body } : {};
      assertErrorShape(await api(s.url, r.method, withQuery(r), opts), 401, 'unauthorized', `${r.method} ${r.template}`);
      const garbage = await api(s.url, r.method, withQuery(r), { ...opts, token: b64(32) });
      assertErrorShape(garbage, 401, 'unauthorized', `${r.method} ${r.template} with an unknown token`);
      const malformed = await api(s.url, r.method, withQuery(r), { ...opts, headers: { authorization: 'Basic abc' } });
      assertErrorShape(malformed, 401, 'unauthorized', `${r.method} ${r.template} with a non-bearer header`);
    }
  });

  test('an unknown body field is refused with 400 on every body route, naming the field', async () => {
    for (const r of routes.filter((x) => x.body)) {
      const res = await api(s.url, r.method, withQuery(r), { token: alice.token, body: { ...r.body, unknownField: 1 } });
      const msg = assertErrorShape(res, 400, 'bad_request', `${r.method} ${r.template}`);
      assert.match(msg, /unknownField/, `${r.method} ${r.template}: ${msg}`);
      // Nested objects are strict too.
      const nestedKey = Object.keys(r.body ?? {}).find((k) => {
        const v = (r.body ?? {})[k];
        return v !== null && typeof v === 'object' && !Array.isArray(v);
      });
      if (nestedKey) {
        const nested = { ...r.body, [nestedKey]: { ...((r.body ?? {})[nestedKey] as object), unknownField: 1 } };
        const n = await api(s.url, r.method, withQuery(r), { token: alice.token, body: nested });
        assertErrorShape(n, 400, 'bad_request', `${r.method} ${r.template} nested in ${nestedKey}`);
      }
    }
  });

  test('malformed JSON, non-object bodies, wrong types, a missing body and a non-JSON content type are 400', async () => {
    for (const r of routes.filter((x) => x.body)) {
      const what = `${r.method} ${r.template}`;
      const t = { token: alice.token };
      assertErrorShape(await api(s.url, r.method, withQuery(r), { ...t, rawBody: '{"user":' }), 400, 'bad_request', `${what} bad JSON`);
      assertErrorShape(await api(s.url, r.method, withQuery(r), { ...t, body: [r.body] }), 400, 'bad_request', `${what} array`);
      assertErrorShape(await api(s.url, r.method, withQuery(r), { ...t, rawBody: 'null' }), 400, 'bad_request', `${what} null`);
      assertErrorShape(
        await api(s.url, r.method, withQuery(r), { ...t, rawBody: JSON.stringify(r.body), headers: { 'content-type': 'text/plain' } }),
        400,
        'bad_request',
        `${what} text/plain`,
      );
      const firstKey = Object.keys(r.body ?? {})[0] as string;
      assertErrorShape(await api(s.url, r.method, withQuery(r), { ...t, body: { ...r.body, [firstKey]: 12345 } }), 400, 'bad_request', `${what} wrong type`);
      // The release request body is optional (its reason defaults to empty); every other body is required.
      if (r.template !== '/v1/db/:db/records/:id/releases') {
        assertErrorShape(await api(s.url, r.method, withQuery(r), t), 400, 'bad_request', `${what} no body`);
      }
    }
  });

  test('routes without input refuse a body or an unknown query parameter with 400', async () => {
    for (const r of routes.filter((x) => x.strictQuery)) {
      const res = await api(s.url, r.method, withQuery(r, 'unknownField=1'), { token: alice.token, ...(r.body ? { body: r.body } : {}) });
      const msg = assertErrorShape(res, 400, 'bad_request', `${r.method} ${r.template} ?unknownField`);
      assert.match(msg, /unknownField/);
    }
    // GET bodies are never read; every other route without a body refuses one.
    for (const r of routes.filter((x) => !x.body && x.method !== 'GET')) {
      const res = await api(s.url, r.method, withQuery(r), { token: alice.token, body: { unknownField: 1 } });
      const msg = assertErrorShape(res, 400, 'bad_request', `${r.method} ${r.template} with a body`);
      assert.match(msg, /unknownField/);
    }
  });

  test('bodies over the limit are 413 payload_too_large on every body route', async () => {
    const big = 'A'.repeat(1024 * 1024 + 10);
    for (const r of routes.filter((x) => x.body)) {
      const res = await api(s.url, r.method, withQuery(r), { token: alice.token, rawBody: JSON.stringify({ ...r.body, big }) });
      assertErrorShape(res, 413, 'payload_too_large', `${r.method} ${r.template}`);
    }
  });

  test('malformed, unknown or foreign ids and names answer 404 not_found, never 400 or 500', async () => {
    let checked = 0;
    for (const r of routes) {
      for (const m of r.malformed ?? []) {
        const res = await api(s.url, r.method, m.path, { token: alice.token, ...(r.body ? { body: r.body } : {}) });
        const status = m.status ?? 404;
        assertErrorShape(res, status, status === 404 ? 'not_found' : 'bad_request', `${r.method} ${m.path}`);
        checked++;
      }
    }
    assert.ok(checked >= 40, `${checked} malformed paths`);
    // Nothing was applied by any refused request above.
    const now = await api<RecordWire>(s.url, 'GET', `/v1/db/main/records/${rec.id}`, { token: alice.token });
    assert.equal(now.body.revision, rec.revision);
    assert.equal(now.body.sealed, false);
  });

  test('a seal naming more approvers than allowed is 400, not a server error', async () => {
    const approvers = Array.from({ length: 5000 }, (_, i) => `u${i}`);
    const body = {
      approvers,
      required: 1,
      windowMinutes: 5,
      baseRevision: rec.revision,
      revision: newId(),
      header: b64(10),
      secret: b64(10),
      secretKeys: [{ holder: { kind: 'user', user: 'alice' }, secret: b64(10) }],
    };
    assertErrorShape(await api(s.url, 'PUT', `/v1/db/main/records/${rec.id}/seal`, { token: alice.token, body }), 400, 'bad_request', 'many approvers');
    const many = { ...body, approvers: ['bob'], secretKeys: Array.from({ length: 2001 }, () => body.secretKeys[0]) };
    assertErrorShape(await api(s.url, 'PUT', `/v1/db/main/records/${rec.id}/seal`, { token: alice.token, body: many }), 400, 'bad_request', 'many secret keys');
  });

  test('an oversize URL or header and a malformed HTTP request get the same error shape', async () => {
    const longUrl = await api(s.url, 'GET', `/v1/db/${'a'.repeat(20_000)}/records`, { token: alice.token });
    assertErrorShape(longUrl, 413, 'payload_too_large', 'long URL');
    const longHeader = await api(s.url, 'GET', '/v1/me', { token: alice.token, headers: { 'x-filler': 'b'.repeat(20_000) } });
    assertErrorShape(longHeader, 413, 'payload_too_large', 'long header');
    const raw = await rawRequest(s.port, 'GET /v1/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.deepEqual(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)), { error: { code: 'bad_request', message: 'malformed HTTP request' } });
  });
});
