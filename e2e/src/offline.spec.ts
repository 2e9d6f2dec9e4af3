/**
 * The Offline Add-on end to end with the real binaries: the README demo (R3, R6, R10, R11, R12, E6),
 * and the R1/R2 refusals.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { World, eventually } from './offline-harness.js';

describe('offline e2e: the demo', () => {
  test('R3 R6 R10 R11 R12 E6: sync, stop the server, search and copy from the offline copy', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'main', { offlineDays: 5 });
    await w.newUser('bob', 'main', { offlineDays: 5 });
    await w.newUser('carol', 'main');
    const fixture = [
      { name: 'Kitchen Router Admin', username: 'router-operator', url: 'https://router.kitchen.example', password: 'Zebra-Orbit-4471' },
      { name: 'Payroll Portal', username: 'payroll.clerk', url: 'https://payroll.example.org/login', password: 'Quartz-Lantern-88' },
      { name: 'Root CA Key', username: 'ca-admin', url: 'https://pki.example.net', password: 'Sealed-Secret-909' },
    ];
    const ids: string[] = [];
    for (const [i, f] of fixture.entries()) {
      ids.push(await w.add('alice', ['--name', f.name, '--username', f.username, '--url', f.url, '--password', f.password, ...(i === 1 ? ['--masked'] : [])]));
    }
    const [plain, masked, sealed] = ids as [string, string, string];
    // Bob gets all three with export (the masked one without authorize); the third gets sealed.
    for (const id of ids) await w.ok('alice', ['share', '--user', 'bob', '--rights', 'read,export', '--', id]);
    await w.ok('alice', ['seal', '--approvers', 'carol', '--required', '1', '--', sealed]);

    // R3: logins and saves before the first manual sync create nothing.
    await w.ok('bob', ['login', '--server', w.url, '--user', 'bob']);
    await w.add('bob', ['--name', 'Bob own', '--password', 'Bob-Own-Pass-1']);
    assert.deepEqual(w.offlineFiles('bob'), []);
    assert.deepEqual(w.offlineFiles('alice'), []);

    // The first manual sync (R3) with its JSON shape (spec §3.2) and, without --json, the notice (R10).
    const s1 = await w.ok('bob', ['offline', 'sync', '--json']);
    assert.deepEqual(Object.keys(s1.json).sort(), ['added', 'conflicts', 'cursor', 'db', 'durationMs', 'pushed', 'rejected', 'removed', 'total', 'updated']);
    assert.equal(s1.json.db, 'main');
    assert.equal(s1.json.added, 3, 'plain, masked and his own; never the sealed one (R5)');
    assert.equal(s1.json.total, 3);
    const s2 = await w.ok('bob', ['offline', 'sync']);
    assert.match(s2.stderr, /^offline sync completed: 0 added, 0 updated, 0 removed, 3 total$/m);
    assert.equal(s2.stderr.includes('offline-sync ['), false, 'no progress bar without a terminal');

    const st = await w.ok('bob', ['offline', 'status', '--json']);
    for (const k of ['db', 'enabled', 'right', 'offlineDays', 'lastSync', 'expiresAt', 'path', 'records', 'settings']) assert.ok(k in st.json, k);
    assert.deepEqual(Object.keys(st.json.settings).sort(), ['afterLogin', 'afterSave', 'intervalMinutes', 'path']);
    assert.equal(st.json.enabled, true);
    assert.equal(st.json.right, true);
    assert.equal(st.json.offlineDays, 5);
    assert.equal(st.json.records, 3);
    assert.equal(Date.parse(st.json.expiresAt) - Date.parse(st.json.lastSync) > 4.9 * 86_400_000, true);
    const ls = await w.ok('bob', ['offline', 'list', '--json']);
    assert.equal(ls.json.databases.length, 1);
    assert.deepEqual(Object.keys(ls.json.databases[0]).sort(), ['db', 'expiresAt', 'lastSync', 'path', 'records', 'server', 'user']);
    assert.equal(ls.json.databases[0].user, 'bob');

    // R12: none of the fixture's names, user names, urls or passwords in any offline file.
    const files = w.offlineFiles('bob');
    assert.ok(files.some((f) => f.endsWith('.sqlite')));
    for (const f of files) {
      const raw = readFileSync(f);
      for (const rec of [...fixture, { name: 'Bob own', username: '', url: '', password: 'Bob-Own-Pass-1' }]) {
        for (const v of [rec.name, rec.username, rec.url, rec.password].filter((x) => x.length > 0)) {
          assert.equal(raw.includes(v), false, `${v} found in ${f}`);
        }
      }
    }

    await w.stopServer();
    // R11: list/search/show/copy from the offline copy.
    const found = await w.ok('bob', ['search', 'payroll', '--json']);
    assert.equal(found.json.source, 'offline');
    assert.match(found.stderr, /^warning: server unreachable \(.*\): using the offline database$/m, 'the fallback notice is a warning: on stderr, also without a terminal');
    assert.deepEqual(found.json.records.map((r: { name: string }) => r.name), ['Payroll Portal']);
    const all = await w.ok('bob', ['list', '--json']);
    assert.deepEqual(all.json.records.map((r: { name: string }) => r.name).sort(), ['Bob own', 'Kitchen Router Admin', 'Payroll Portal']);
    const shown = await w.ok('bob', ['show', '--reveal', '--json', '--', plain]);
    assert.equal(shown.json.password, 'Zebra-Orbit-4471');
    // R6: masked: copy yes, reveal no.
    const rev = await w.client('bob', ['show', '--reveal', '--', masked]);
    assert.equal(rev.code, 5);
    const cp = await w.client('bob', ['copy', '--', masked]);
    assert.equal(cp.code, 0, cp.stderr);
    assert.equal(cp.stdout.includes('Quartz-Lantern-88') || cp.stderr.includes('Quartz-Lantern-88'), false);
    assert.ok(await eventually(() => w.readClipboard('bob') === 'Quartz-Lantern-88'));
    // R5: the sealed record is not there at all.
    assert.equal((await w.client('bob', ['show', '--', sealed])).code, 4);
    // Every other command: exit 7, saying what offline mode offers.
    const other = await w.client('bob', ['rights', '--', plain]);
    assert.equal(other.code, 7);
    assert.match(other.stderr, /offline mode offers list, search, show and copy/);
    // --offline with none: exit 6; unreachable and none ever created: exit 7 with a hint.
    const none = await w.client('carol', ['--offline', 'list']);
    assert.equal(none.code, 6, none.stderr);
    const unreach = await w.client('carol', ['list']);
    assert.equal(unreach.code, 7);
    assert.match(unreach.stderr, /no offline database/);

    // E6: creation and transferring syncs are audited with counts, a wipe too (below).
    const audit = await w.smOk('audit', '--db', 'main', '--json');
    const actions = (audit.json.events as Array<{ action: string; actor: string; detail: Record<string, unknown> }>).filter((e) => e.actor === 'bob');
    assert.ok(actions.some((e) => e.action === 'offline_created'));
    const syncs = actions.filter((e) => e.action === 'offline_sync');
    assert.equal(syncs.length, 1, 'the no-change sync wrote no audit row');
    assert.equal(syncs[0]?.detail.added, 3);
  });
});

describe('offline e2e: R1 and R2 refusals', () => {
  test('offline not enabled for the database, or no offline right: exit 6 saying which', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'closed');
    await w.smOk('db', 'create', 'open', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'closed', { offlineDays: 3 });
    await w.newUser('alice', 'open');
    const r1 = await w.client('alice', ['--db', 'closed', 'offline', 'sync']);
    assert.equal(r1.code, 6);
    assert.match(r1.stderr, /not enabled/);
    const r2 = await w.client('alice', ['--db', 'open', 'offline', 'sync', '--json']);
    assert.equal(r2.code, 6);
    assert.match(r2.stderr, /right/);
    assert.equal(JSON.parse(r2.stderr).error.code, 'offline_no_right');
    assert.deepEqual(w.offlineFiles('alice').filter((f) => f.endsWith('.sqlite')), []);
    const st = await w.ok('alice', ['--db', 'closed', 'offline', 'status', '--json']);
    assert.equal(st.json.enabled, false);
    assert.equal(st.json.right, true);
  });
});
