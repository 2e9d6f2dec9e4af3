import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '@safehold/protocol/api';
import {
  api,
  fakeRegistration,
  forEachBackend,
  openTestStorage,
  runServerBin,
  startServerProcess,
  storageArgs,
  type BinResult,
} from '@safehold/testkit';
import type { Storage } from './storage/open.js';

type Json = Record<string, unknown>;

forEachBackend('safehold-server binary (Server Manager)', (backend) => {
  let st: { storage: Storage; dataDir: string | null; databaseUrl: string | null; close(): Promise<void> };
  let flags: string[];
  before(async () => {
    st = await openTestStorage(backend);
    flags = storageArgs(st);
  });
  after(async () => {
    await st.close();
  });
  const sm = (...args: string[]): Promise<BinResult> => runServerBin([...flags, ...args]);
  const ok = (r: BinResult): Json => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    return r.json as Json;
  };
  /** Runs independent failing commands concurrently and checks each exit code. */
  const expectCodes = async (cases: [number, string[]][]): Promise<void> => {
    const results = await Promise.all(cases.map(([, args]) => sm(...args)));
    results.forEach((r, i) => {
      const [want, args] = cases[i] as [number, string[]];
      assert.equal(r.code, want, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error: /, args.join(' '));
    });
  };
  const errorOf = (r: BinResult): { code: string; message: string } => (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;

  test('migrate, and storage from the environment', async () => {
    const r = ok(await sm('migrate', '--json'));
    assert.equal(r['ok'], true);
    assert.ok((r['migrations'] as string[]).includes('0001_initial'));
    const env = st.databaseUrl ? { SAFEHOLD_DATABASE_URL: st.databaseUrl } : { SAFEHOLD_DATA: st.dataDir ?? '' };
    const viaEnv = await runServerBin(['migrate', '--json'], env);
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  });

  test('db create / set / list with exit codes 2, 4 and 8', async () => {
    const c = ok(await sm('db', 'create', 'main', '--offline', 'on', '--json'));
    assert.deepEqual(c, { name: 'main', offline: true });
    const human = await sm('db', 'create', 'other');
    assert.equal(human.code, 0);
    assert.match(human.stdout, /other/);
    const dup = await sm('db', 'create', 'main');
    assert.equal(dup.code, 8);
    assert.match(dup.stderr, /^error: .*already exists/);
    const dupJson = await sm('db', 'create', 'main', '--json');
    assert.equal(dupJson.code, 8);
    assert.equal(errorOf(dupJson).code, 'conflict');
    await expectCodes([
      [2, ['db', 'create', 'bad name!']],
      [2, ['db', 'create', 'x', '--offline', 'yes']],
      [2, ['db', 'set', 'main', '--offline', 'maybe']],
      [2, ['db', 'set', 'main']],
      [2, ['db', 'frobnicate']],
      [2, ['db', 'list', '--bogus']],
      [4, ['db', 'set', 'nosuch', '--offline', 'on']],
    ]);
    const list = ok(await sm('db', 'list', '--json')) as { databases: { name: string; offline: boolean }[] };
    assert.deepEqual(list.databases.map((d) => [d.name, d.offline]), [['main', true], ['other', false]]);
    ok(await sm('db', 'set', 'other', '--offline', 'on', '--json'));
    const list2 = ok(await sm('--json', 'db', 'list')) as { databases: { name: string; offline: boolean }[] };
    assert.equal(list2.databases.find((d) => d.name === 'other')?.offline, true);
  });

  test('user add / rights / list / remove', async () => {
    const a = ok(await sm('user', 'add', 'alice', '--db', 'main', '--admin', '--json'));
    assert.equal(a['user'], 'alice');
    assert.equal(a['db'], 'main');
    assert.match(String(a['invite']), /^[A-Za-z0-9_-]{22,}$/);
    assert.ok(Buffer.from(String(a['invite']), 'base64url').length >= 16, 'at least 128 random bits');
    const again = ok(await sm('user', 'add', 'alice', '--db', 'other', '--json'));
    assert.deepEqual(again, { user: 'alice', db: 'other', invite: null });
    ok(await sm('user', 'add', 'bob', '--db', 'main', '--json'));
    await expectCodes([
      [8, ['user', 'add', 'alice', '--db', 'main']],
      [4, ['user', 'add', 'zed', '--db', 'nosuch']],
      [2, ['user', 'add', 'zed']],
      [4, ['user', 'rights', 'nobody', '--db', 'main', '--offline', 'on']],
      [4, ['user', 'rights', 'alice', '--db', 'nosuch', '--offline', 'on']],
      [2, ['user', 'rights', 'alice', '--db', 'main', '--offline-days', '-3']],
      [2, ['user', 'rights', 'alice', '--db', 'main', '--offline-days', '0']],
      [2, ['user', 'rights', 'alice', '--db', 'main', '--offline-days', '1.5']],
      [2, ['user', 'rights', 'alice', '--db', 'main', '--offline-days', 'abc']],
      [2, ['user', 'rights', 'alice', '--db', 'main', '--offline', 'maybe']],
      [4, ['user', 'list', '--db', 'nosuch']],
      [4, ['user', 'remove', 'ghost']],
    ]);
    const r1 = ok(await sm('user', 'rights', 'alice', '--db', 'main', '--offline', 'on', '--json'));
    assert.equal(r1['offline'], true);
    assert.equal(r1['offlineDays'], 7, 'days default to 7 when granted');
    ok(await sm('user', 'rights', 'alice', '--db', 'main', '--offline-days', '5', '--json'));

    const l = ok(await sm('user', 'list', '--db', 'main', '--json')) as { users: Json[] };
    const alice = l.users.find((u) => u['name'] === 'alice');
    assert.ok(alice);
    assert.equal(alice['admin'], true);
    assert.equal(alice['offline'], true);
    assert.equal(alice['offlineDays'], 5);
    const bob = l.users.find((u) => u['name'] === 'bob');
    assert.equal(bob?.['offline'], false);
    const all = ok(await sm('user', 'list', '--json')) as { users: Json[] };
    assert.deepEqual(
      all.users.filter((u) => u['name'] === 'alice').map((u) => u['db']),
      ['main', 'other'],
    );

    ok(await sm('user', 'remove', 'alice', '--db', 'other', '--json'));
    assert.equal((await sm('user', 'remove', 'alice', '--db', 'other')).code, 4, 'no longer a member');
    ok(await sm('user', 'add', 'carl', '--db', 'other', '--json'));
    ok(await sm('user', 'remove', 'carl', '--json'));
    const after = ok(await sm('user', 'list', '--json')) as { users: Json[] };
    assert.ok(!after.users.some((u) => u['name'] === 'carl'));
  });

  test('role list shows roles with creator and members', async () => {
    assert.deepEqual(ok(await sm('role', 'list', '--db', 'main', '--json')), { roles: [] });
    const ids = await st.storage.db.selectFrom('users').select(['id', 'name']).execute();
    const alice = ids.find((u) => u.name === 'alice')?.id ?? '';
    const bob = ids.find((u) => u.name === 'bob')?.id ?? '';
    const dbId = (await st.storage.db.selectFrom('databases').select('id').where('name', '=', 'main').executeTakeFirstOrThrow()).id;
    await st.storage.db.insertInto('roles').values({ id: 'R'.repeat(22), db_id: dbId, name: 'ops', public_key: 'pk', creator_id: alice, created_at: 1 }).execute();
    await st.storage.db
      .insertInto('role_members')
      .values([
        { role_id: 'R'.repeat(22), user_id: alice, member_key: 'k', created_at: 1 },
        { role_id: 'R'.repeat(22), user_id: bob, member_key: 'k', created_at: 1 },
      ])
      .execute();
    assert.deepEqual(ok(await sm('role', 'list', '--db', 'main', '--json')), { roles: [{ name: 'ops', creator: 'alice', members: ['alice', 'bob'] }] });
    await expectCodes([
      [4, ['role', 'list', '--db', 'nosuch']],
      [2, ['role', 'list']],
    ]);
  });

  test('a running server sees manager changes at once; devices; audit; graceful stop', async () => {
    const server = await startServerProcess(flags);
    try {
      const inv = ok(await sm('user', 'add', 'dora', '--db', 'main', '--json'));
      const reg = fakeRegistration('dora', String(inv['invite']));
      const r = await api<Session>(server.url, 'POST', '/v1/register', { body: reg.body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.databases.map((d) => [d.name, d.offline, d.offlineRight]), [['main', true, false]]);
      ok(await sm('user', 'rights', 'dora', '--db', 'main', '--offline', 'on'));
      ok(await sm('db', 'set', 'main', '--offline', 'off'));
      const me = await api<{ databases: { name: string; offline: boolean; offlineRight: boolean; offlineDays: number }[] }>(server.url, 'GET', '/v1/me', {
        token: r.body.token,
      });
      assert.deepEqual(me.body.databases, [{ name: 'main', offline: false, offlineRight: true, offlineDays: 7 }]);

      const devs = ok(await sm('device', 'list', '--user', 'dora', '--json')) as { devices: Json[] };
      assert.equal(devs.devices.length, 1);
      const d = devs.devices[0] as Json;
      assert.deepEqual(Object.keys(d).sort(), ['createdAt', 'id', 'lastSeenAt', 'name', 'revoked', 'user']);
      assert.equal(d['id'], reg.body.device.id);
      assert.equal(d['revoked'], false);
      assert.ok(!Number.isNaN(Date.parse(String(d['createdAt']))));
      assert.equal((await sm('device', 'list', '--user', 'ghost')).code, 4);
      const allDevs = ok(await sm('device', 'list', '--json')) as { devices: Json[] };
      assert.ok(allDevs.devices.length >= 1);

      assert.equal((await sm('device', 'revoke', 'nosuchdevice')).code, 4);
      ok(await sm('device', 'revoke', reg.body.device.id, '--json'));
      const after = await api<{ error: { code: string } }>(server.url, 'GET', '/v1/me', { token: r.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'device_revoked');
      const devs2 = ok(await sm('device', 'list', '--user', 'dora', '--json')) as { devices: Json[] };
      assert.equal(devs2.devices[0]?.['revoked'], true);

      const audit = ok(await sm('audit', '--json')) as { events: Json[] };
      assert.ok(audit.events.length > 5);
      assert.deepEqual(Object.keys(audit.events[0] as Json).sort(), ['action', 'actor', 'at', 'db', 'detail', 'target']);
      const times = audit.events.map((e) => Date.parse(String(e['at'])));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
      const actions = audit.events.map((e) => e['action']);
      for (const a of ['db_created', 'db_updated', 'user_added', 'user_rights', 'user_removed', 'device_revoked', 'register']) {
        assert.ok(actions.includes(a), a);
      }
      assert.ok(audit.events.filter((e) => e['action'] !== 'register').every((e) => e['actor'] === 'admin' || e['actor'] === 'dora'));
      const mainOnly = ok(await sm('audit', '--db', 'other', '--json')) as { events: Json[] };
      assert.ok(mainOnly.events.length > 0 && mainOnly.events.every((e) => e['db'] === 'other'));
      const future = ok(await sm('audit', '--since', '2999-01-01T00:00:00Z', '--json')) as { events: Json[] };
      assert.deepEqual(future.events, []);
      const badSince = await sm('audit', '--since', 'yesterday', '--json');
      assert.equal(badSince.code, 2);
      assert.equal(errorOf(badSince).code, 'bad_request');
      const human = await sm('audit');
      assert.equal(human.code, 0);
      assert.match(human.stdout, /device_revoked/);

      // Logs name the URL and never carry tokens, auth keys or invite codes.
      const logs = server.logs();
      assert.match(logs, /listening on http:\/\/127\.0\.0\.1:\d+/);
      for (const secret of [r.body.token, reg.authKey, String(inv['invite'])]) assert.ok(!logs.includes(secret));
    } finally {
      assert.equal(await server.stop(), 0, 'graceful shutdown on SIGTERM exits 0');
    }
  });
});
