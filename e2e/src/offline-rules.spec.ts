/** Offline e2e: which records are synced (R4, R5, E4), several databases and users (R7), path (R8), triggers (R9). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { World } from './offline-harness.js';

async function offlineNames(w: World, user: string, db = 'main'): Promise<string[]> {
  const r = await w.ok(user, ['--db', db, '--offline', 'list', '--json']);
  assert.equal(r.json.source, 'offline');
  return (r.json.records as Array<{ name: string }>).map((x) => x.name).sort();
}

describe('offline e2e: eligibility', () => {
  test('R4/R5/E4: export direct or via a role is in; read-only, sealed, later sealed, export revoked, role left, deleted are out', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'main');
    await w.newUser('bob', 'main', { offlineDays: 7 });
    await w.newUser('carol', 'main');
    await w.ok('alice', ['role', 'create', 'ops']);
    await w.ok('alice', ['role', 'add', 'ops', 'bob']);
    const mk = async (name: string): Promise<string> => w.add('alice', ['--name', name, '--password', `pw-${name}`]);
    const readOnly = await mk('read-only');
    const exportDirect = await mk('export-direct');
    const exportRole = await mk('export-role');
    const sealedEarly = await mk('sealed-early');
    const sealedLater = await mk('sealed-later');
    const revoked = await mk('export-revoked');
    const viaRoleLeft = await mk('role-left');
    const deleted = await mk('deleted');
    await w.ok('alice', ['share', '--user', 'bob', '--rights', 'read', '--', readOnly]);
    for (const id of [exportDirect, sealedEarly, sealedLater, revoked, deleted]) await w.ok('alice', ['share', '--user', 'bob', '--rights', 'read,export', '--', id]);
    for (const id of [exportRole, viaRoleLeft]) await w.ok('alice', ['share', '--role', 'ops', '--rights', 'read,export', '--', id]);
    await w.ok('alice', ['seal', '--approvers', 'carol', '--', sealedEarly]);
    await w.ok('bob', ['offline', 'sync']);
    assert.deepEqual(await offlineNames(w, 'bob'), ['deleted', 'export-direct', 'export-revoked', 'export-role', 'role-left', 'sealed-later']);
    // Eligibility changes, each removing one record at the next sync.
    await w.ok('alice', ['seal', '--approvers', 'carol', '--', sealedLater]);
    await w.ok('alice', ['share', '--user', 'bob', '--rights', 'read', '--', revoked]);
    await w.ok('alice', ['rm', '--', deleted]);
    // Leaving the role takes both role records; one comes back through a direct export grant.
    await w.ok('alice', ['role', 'remove', 'ops', 'bob']);
    await w.ok('alice', ['share', '--user', 'bob', '--rights', 'read,export', '--', exportRole]);
    const s = await w.ok('bob', ['offline', 'sync', '--json']);
    assert.equal(s.json.removed, 4);
    assert.equal(s.json.total, 2);
    assert.deepEqual(await offlineNames(w, 'bob'), ['export-direct', 'export-role']);
    void viaRoleLeft;
  });
});

describe('offline e2e: several databases, users, a custom path', () => {
  test('R7 two databases and two users on one device, chosen by server + db + user; R8 --path', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.smOk('db', 'create', 'ops', '--offline', 'on');
    await w.startServer();
    const shared = w.home('device');
    await w.newUser('alice', 'main', { offlineDays: 3, home: shared });
    await w.newUser('alice', 'ops', { offlineDays: 3 });
    await w.newUser('bob', 'main', { offlineDays: 3, home: shared });
    const as = (user: string, args: string[]) => w.ok(user, ['--server', w.url, '--user', user, ...args], { home: shared });
    await as('alice', ['--db', 'main', 'add', '--name', 'alice-main', '--password', 'p1']);
    await as('alice', ['--db', 'ops', 'add', '--name', 'alice-ops', '--password', 'p2']);
    await as('bob', ['--db', 'main', 'add', '--name', 'bob-main', '--password', 'p3']);
    const custom = join(w.dir, 'custom-place');
    const set = await as('bob', ['offline', 'settings', '--path', custom, '--json']);
    assert.deepEqual(set.json, { afterSave: true, afterLogin: true, intervalMinutes: 30, path: custom });
    await as('alice', ['--db', 'main', 'offline', 'sync']);
    await as('alice', ['--db', 'ops', 'offline', 'sync']);
    await as('bob', ['--db', 'main', 'offline', 'sync']);
    const list = await w.ok('alice', ['offline', 'list', '--json'], { home: shared });
    const got = (list.json.databases as Array<{ user: string; db: string; path: string; records: number }>).map((d) => `${d.user}/${d.db}/${d.records}/${d.path.startsWith(custom) ? 'custom' : 'default'}`).sort();
    assert.deepEqual(got, ['alice/main/1/default', 'alice/ops/1/default', 'bob/main/1/custom']);
    assert.ok(w.files(custom).some((f) => f.endsWith('.sqlite')));
    await w.stopServer();
    const pick = async (user: string, db: string) => ((await as(user, ['--db', db, 'list', '--json'])).json.records as Array<{ name: string }>).map((r) => r.name);
    assert.deepEqual(await pick('alice', 'main'), ['alice-main']);
    assert.deepEqual(await pick('alice', 'ops'), ['alice-ops']);
    assert.deepEqual(await pick('bob', 'main'), ['bob-main']);
    // `offline remove` works without the server and leaves the others alone.
    const rm = await as('alice', ['--db', 'ops', 'offline', 'remove', '--json']);
    assert.deepEqual(rm.json, { db: 'ops', removed: true });
    const after = await w.ok('alice', ['offline', 'list', '--json'], { home: shared });
    assert.deepEqual((after.json.databases as Array<{ user: string; db: string }>).map((d) => `${d.user}/${d.db}`).sort(), ['alice/main', 'bob/main']);
  });
});

describe('offline e2e: triggers', () => {
  test("R9: own save triggers, another user's save does not, after-login does, each a setting; interval via the agent", async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'main', { offlineDays: 3 });
    await w.newUser('bob', 'main', { offlineDays: 3 });
    await w.add('alice', ['--name', 'first']);
    // R10 at a terminal: the progress bar (records done / total), then the completion notice.
    const first = await w.tty('alice', ['offline', 'sync']);
    assert.equal(first.code, 0, first.stdout);
    assert.match(first.stdout, /offline-sync \[[^\]]*\] 1\/1/);
    assert.match(first.stdout, /offline sync completed: 1 added, 0 updated, 0 removed, 1 total/);
    // Own save: synced before the command returns.
    await w.add('alice', ['--name', 'own-save']);
    assert.deepEqual(await offlineNames(w, 'alice'), ['first', 'own-save']);
    // Another user's save (shared with alice) does not touch alice's copy.
    const b = await w.add('bob', ['--name', 'bobs-record']);
    await w.ok('bob', ['share', '--user', 'alice', '--rights', 'read,export', '--', b]);
    assert.deepEqual(await offlineNames(w, 'alice'), ['first', 'own-save']);
    // After login.
    await w.ok('alice', ['login', '--server', w.url, '--user', 'alice']);
    assert.deepEqual(await offlineNames(w, 'alice'), ['bobs-record', 'first', 'own-save']);
    // Settings off: neither trigger runs.
    await w.ok('alice', ['offline', 'settings', '--after-save', 'off', '--after-login', 'off', '--interval', '1']);
    await w.add('alice', ['--name', 'no-trigger']);
    await w.ok('alice', ['login', '--server', w.url, '--user', 'alice']);
    assert.deepEqual(await offlineNames(w, 'alice'), ['bobs-record', 'first', 'own-save']);
    // Interval: the agent, with a one-minute interval shortened to 50 ms, runs twice and logs each run.
    const agent = await w.ok('alice', ['agent', '--max-runs', '2', '--minute-ms', '50']);
    const lines = agent.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /offline sync completed: 1 added, 0 updated, 0 removed, 4 total/);
    assert.match(lines[1] ?? '', /offline sync completed: 0 added, 0 updated, 0 removed, 4 total/);
    // A failing trigger never fails the save: exit 0 with a warning on stderr (here the server stops
    // the sync, the save stands).
    await w.ok('alice', ['offline', 'settings', '--after-save', 'on']);
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline', 'off');
    const saved = await w.client('alice', ['add', '--name', 'saved-anyway', '--json']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stderr, /^warning: offline sync \(after-save\) failed/m);
    assert.equal(saved.json.name, 'saved-anyway');
  });
});
