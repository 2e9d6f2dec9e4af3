/**
 * Logs and error answers never carry a secret: the real binary runs with its pino logger at the most
 * verbose level, its stdout captured, while clients register, log in, write, share, seal, change
 * passwords and send bad input full of secrets; an injected storage fault adds a logged 500.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { RecordWire, Release, Session } from '@safehold/protocol/api';
import {
  api,
  b64,
  newId,
  fakeRegistration,
  forEachBackend,
  openTestStorage,
  rawRequest,
  runServerBin,
  startServerProcess,
  storageArgs,
  type ApiAnswer,
  type ServerProcess,
} from '@safehold/testkit';
import type { Storage } from './storage/open.js';

forEachBackend('logs and error messages carry no secrets', (backend) => {
  let st: { storage: Storage; dataDir: string | null; databaseUrl: string | null; close(): Promise<void> };
  let server: ServerProcess;
  before(async () => {
    st = await openTestStorage(backend);
    server = await startServerProcess(storageArgs(st), { SAFEHOLD_LOG_LEVEL: 'trace' });
  });
  after(async () => {
    await server?.stop();
    await st?.close();
  });

  test('tokens, auth keys, invite codes and ciphertext appear in no log line and no error answer', async () => {
    /** Every secret or ciphertext string sent or received. */
    const secrets = new Set<string>();
    const keep = <T extends string>(v: T): T => (secrets.add(v), v);
    const errors: ApiAnswer<unknown>[] = [];
    const call = async <T>(method: string, path: string, opts: Parameters<typeof api>[3] = {}): Promise<ApiAnswer<T>> => {
      const r = await api<T>(server.url, method, path, opts);
      if (r.status >= 400) errors.push(r);
      return r;
    };
    const sm = async (...args: string[]) => {
      const r = await runServerBin([...storageArgs(st), ...args, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return r.json as { invite: string | null };
    };
    await sm('db', 'create', 'main');
    const invA = keep(String((await sm('user', 'add', 'alice', '--db', 'main')).invite));
    const invB = keep(String((await sm('user', 'add', 'bob', '--db', 'main')).invite));
    keep(String((await sm('user', 'add', 'carol', '--db', 'main')).invite));

    // Registration: every field but the names is secret or ciphertext.
    const register = async (name: string, invite: string): Promise<{ token: string; authKey: string }> => {
      const reg = fakeRegistration(name, invite);
      [reg.authKey, reg.body.userKeyEnc, reg.body.privateKeyEnc].forEach(keep);
      // Refused first: a wrong invite, then a key of the wrong length, both carrying secrets.
      await call('POST', '/v1/register', { body: { ...reg.body, invite: keep(b64(24)) } });
      await call('POST', '/v1/register', { body: { ...reg.body, authKey: keep(b64(31)) } });
      const r = await call<Session>('POST', '/v1/register', { body: reg.body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return { token: keep(r.body.token), authKey: reg.authKey };
    };
    const alice = await register('alice', invA);
    const bob = await register('bob', invB);
    // The invite again (used), and a login with a wrong key, then a right one.
    await call('POST', '/v1/register', { body: fakeRegistration('alice', invA).body });
    const device = { id: newId(), name: 'laptop' };
    assert.equal((await call('POST', '/v1/login', { body: { user: 'alice', authKey: keep(b64(32)), device } })).status, 401);
    const login = await call<Session>('POST', '/v1/login', { body: { user: 'alice', authKey: alice.authKey, device } });
    assert.equal(login.status, 200);
    const token = keep(login.body.token);

    // Records, sharing, key adoption, masking, sealing, releases, roles.
    const body = { id: newId(), revision: newId(), header: keep(b64(48)), secret: keep(b64(48)), keys: { header: keep(b64(60)), secret: keep(b64(60)) } };
    const rec = (await call<RecordWire>('POST', '/v1/db/main/records', { token, body })).body;
    const upd = { baseRevision: rec.revision, revision: newId(), header: keep(b64(48)), secret: keep(b64(48)) };
    assert.equal((await call('PUT', `/v1/db/main/records/${rec.id}`, { token, body: upd })).status, 200);
    // A stale write with fresh ciphertext: refused, and its ciphertext is not in the answer.
    const stale = { ...upd, revision: newId(), header: keep(b64(48)), secret: keep(b64(48)) };
    assert.equal((await call('PUT', `/v1/db/main/records/${rec.id}`, { token, body: stale })).status, 409);
    const grant = { grantee: { kind: 'user', user: 'bob' }, rights: ['read'], keys: { header: keep(b64(60)), secret: keep(b64(60)) } };
    assert.equal((await call('PUT', `/v1/db/main/records/${rec.id}/grants`, { token, body: grant })).status, 200);
    assert.equal((await call('PUT', `/v1/db/main/records/${rec.id}/keys`, { token: bob.token, body: { header: keep(b64(60)), secret: keep(b64(60)) } })).status, 200);
    // bob may not write: 403 with his ciphertext in the request.
    const denied = { baseRevision: upd.revision, revision: newId(), header: keep(b64(48)), secret: keep(b64(48)) };
    assert.equal((await call('PUT', `/v1/db/main/records/${rec.id}`, { token: bob.token, body: denied })).status, 403);
    assert.equal((await call('PUT', `/v1/db/main/records/${rec.id}/mask`, { token, body: { masked: true } })).status, 200);
    const seal = {
      approvers: ['bob'],
      required: 1,
      windowMinutes: 10,
      baseRevision: upd.revision,
      revision: newId(),
      header: keep(b64(48)),
      secret: keep(b64(48)),
      secretKeys: [
        { holder: { kind: 'user', user: 'alice' }, secret: keep(b64(60)) },
        { holder: { kind: 'user', user: 'bob' }, secret: keep(b64(60)) },
      ],
    };
    assert.equal((await call('PUT', `/v1/db/main/records/${rec.id}/seal`, { token, body: seal })).status, 200);
    const rel = await call<Release>('POST', `/v1/db/main/records/${rec.id}/releases`, { token, body: { reason: 'quarterly audit' } });
    assert.equal((await call('POST', `/v1/db/main/releases/${rel.body.id}/approve`, { token: bob.token })).status, 200);
    assert.equal((await call('GET', `/v1/db/main/records/${rec.id}`, { token })).status, 200);
    const role = { name: 'ops', publicKey: b64(32), memberKey: keep(b64(80)) };
    assert.equal((await call('POST', '/v1/db/main/roles', { token, body: role })).status, 200);
    assert.equal((await call('PUT', '/v1/db/main/roles/ops/members/bob', { token, body: { memberKey: keep(b64(80)) } })).status, 200);

    // Password change: a wrong current key, then the right one.
    const kdf = { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1, salt: b64(16) };
    const next = { authKey: keep(b64(32)), kdf, userKeyEnc: keep(b64(60)) };
    assert.equal((await call('PUT', '/v1/me/password', { token, body: { currentAuthKey: keep(b64(32)), ...next } })).status, 401);
    assert.equal((await call('PUT', '/v1/me/password', { token, body: { currentAuthKey: alice.authKey, ...next } })).status, 200);

    // Bad input that carries secrets: broken JSON, an oversize body, tokens on unknown routes, malformed HTTP.
    await call('POST', '/v1/login', { rawBody: `{"user":"alice","authKey":"${keep(b64(32))}"` });
    await call('POST', '/v1/db/main/records', { token, rawBody: JSON.stringify({ ...body, id: newId(), header: keep(b64(48)), pad: 'x'.repeat(1_100_000) }) });
    await call('GET', '/v1/no/such/route', { token });
    await call('GET', '/v1/me', { token: keep(b64(32)) });
    const raw = await rawRequest(
      Number(new URL(server.url).port),
      `POST /v1/login HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nBad Header\r\n\r\n{"authKey":"${keep(b64(32))}"}`,
    );
    assert.match(raw, /^HTTP\/1\.1 400 /);

    // An injected storage fault: the next write fails inside the server and is logged as a 500.
    await sql`drop table revisions`.execute(st.storage.db);
    const failing = { baseRevision: seal.revision, revision: newId(), header: keep(b64(48)), secret: keep(b64(48)) };
    const fault = await call<{ error: { code: string } }>('PUT', `/v1/db/main/records/${rec.id}`, { token, body: failing });
    assert.equal(fault.status, 500);
    assert.equal(fault.body.error.code, 'internal');

    await new Promise((r) => setTimeout(r, 200)); // let the last log lines reach the pipe
    const logs = server.logs();
    const lines = logs.split('\n').filter(Boolean);
    // The capture is real and verbose: every request is logged, and the fault with its error.
    assert.ok(lines.length > 60, `${lines.length} log lines`);
    assert.ok(lines.every((l) => JSON.parse(l) !== null), 'pino JSON lines');
    assert.match(logs, /"msg":"incoming request"/);
    assert.match(logs, /"msg":"unexpected error"/);
    assert.match(logs, /revisions/, 'the fault is named');
    assert.ok(secrets.size > 40, `${secrets.size} secrets`);
    for (const secret of secrets) {
      assert.ok(!logs.includes(secret), `a secret (${secret.length} chars) is in the log`);
    }
    // Header names may appear (redacted), values never; no raw request bytes are dumped.
    assert.doesNotMatch(logs, /rawPacket|Bearer /);

    assert.ok(errors.length >= 14, `${errors.length} error answers`);
    for (const e of errors) {
      const text = JSON.stringify(e.body);
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret is in an error answer: ${e.status} ${text.slice(0, 120)}`);
    }
  });
});
