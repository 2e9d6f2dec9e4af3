/**
 * Offline edits (E5) end to end with the real binaries: the offline-edits right, queued add/edit/rm,
 * the push at the next sync with the three-way merge, conflicts, rejections, audit, and the guards.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { World } from './offline-harness.js';

type Rec = { id: string; name: string; pending?: boolean };

async function world(t: Parameters<typeof World.create>[0], users: string[]): Promise<World> {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  for (const u of users) await w.newUser(u, 'main', { offlineDays: 5 });
  return w;
}

/** A second device of `user` (its own home), logged in. */
async function secondDevice(w: World, user: string): Promise<{ home: string }> {
  const o = { home: w.home(`${user}2`) };
  await w.ok(user, ['login', '--server', w.url, '--user', user], o);
  return o;
}

describe('offline edits e2e (E5)', () => {
  test('policy; disjoint-field merge; same-field conflict kept in history, listed, resolved', async (t) => {
    const w = await world(t, ['alice']);
    const r1 = await w.add('alice', ['--name', 'Router', '--username', 'admin', '--password', 'Old-Router-1']);
    const r2 = await w.add('alice', ['--name', 'Mail', '--password', 'Old-Mail-1']);
    await w.ok('alice', ['offline', 'sync']);

    // Without the offline-edits right: exit 5, saying so, and nothing queued.
    const refused = await w.client('alice', ['--offline', 'edit', r1, '--username', 'root']);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /offline edits are not allowed for this database/);
    const users0 = await w.smOk('user', 'list', '--db', 'main', '--json');
    assert.equal(users0.json.users[0].offlineEdits, false);

    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
    const users1 = await w.smOk('user', 'list', '--json');
    assert.equal(users1.json.users.find((u: { name: string }) => u.name === 'alice').offlineEdits, true);
    await w.ok('alice', ['offline', 'sync']); // the new lease carries the right

    const edited = await w.ok('alice', ['--offline', 'edit', r1, '--username', 'root', '--json']);
    assert.equal(edited.json.pending, true);
    assert.equal(edited.json.username, 'root');
    const listed = await w.ok('alice', ['--offline', 'list', '--json']);
    const byId = new Map((listed.json.records as Rec[]).map((r) => [r.id, r]));
    assert.equal(byId.get(r1)?.pending, true);
    assert.equal(byId.get(r2)?.pending, undefined);
    assert.equal((await w.ok('alice', ['--offline', 'show', r1, '--json'])).json.pending, true);

    // Meanwhile, online from another device: the password of r1, the password of r2.
    const dev2 = await secondDevice(w, 'alice');
    await w.ok('alice', ['edit', r1, '--password', 'Server-Router-2'], dev2);
    await w.ok('alice', ['edit', r2, '--password', 'Server-Mail-2'], dev2);
    await w.ok('alice', ['--offline', 'edit', r2, '--password', 'Mine-Mail-3']);

    const st = await w.ok('alice', ['offline', 'status', '--json']);
    assert.equal(st.json.pending, 2);
    const pend = await w.ok('alice', ['offline', 'pending', '--json']);
    assert.deepEqual(pend.json.pending.map((p: { record: string; kind: string }) => [p.record, p.kind]), [[r1, 'update'], [r2, 'update']]);
    assert.equal(pend.stdout.includes('Mine-Mail-3'), false, 'pending never shows a secret');

    const sync = await w.ok('alice', ['offline', 'sync', '--json']);
    assert.equal(sync.json.pushed, 2);
    assert.equal(sync.json.conflicts, 1);
    assert.equal(sync.json.rejected, 0);
    assert.equal((await w.ok('alice', ['offline', 'status', '--json'])).json.pending, 0);

    // Disjoint fields: both survive.
    const s1 = await w.ok('alice', ['show', r1, '--reveal', '--json'], dev2);
    assert.equal(s1.json.username, 'root');
    assert.equal(s1.json.password, 'Server-Router-2');
    // Same field: the server's value is current, the offline one in history, marked.
    const s2 = await w.ok('alice', ['show', r2, '--reveal', '--json'], dev2);
    assert.equal(s2.json.password, 'Server-Mail-2');
    const hist = await w.ok('alice', ['history', r2, '--reveal', '--json'], dev2);
    assert.ok(hist.json.revisions.some((r: { password?: string; conflict?: boolean }) => r.password === 'Mine-Mail-3' && r.conflict === true), 'the offline value is in history, marked');
    // The offline copy follows the server after the push.
    assert.equal((await w.ok('alice', ['--offline', 'show', r1, '--reveal', '--json'])).json.password, 'Server-Router-2');

    const c = await w.ok('alice', ['conflicts', '--json']);
    assert.equal(c.json.conflicts.length, 1);
    const [entry] = c.json.conflicts;
    for (const k of ['id', 'record', 'kind', 'at', 'fields', 'reason']) assert.ok(k in entry, k);
    assert.equal(entry.record, r2);
    assert.equal(entry.kind, 'conflict');
    assert.deepEqual(entry.fields, ['password']);
    assert.equal(c.stdout.includes('Mine-Mail-3'), false);

    // Resolved by keeping mine: the offline value becomes current as a new revision.
    await w.ok('alice', ['conflicts', 'resolve', r2, '--keep', 'mine']);
    assert.equal((await w.ok('alice', ['show', r2, '--reveal', '--json'], dev2)).json.password, 'Mine-Mail-3');
    assert.equal((await w.ok('alice', ['conflicts', '--json'])).json.conflicts.length, 0);

    const audit = await w.smOk('audit', '--db', 'main', '--json');
    const mine = (audit.json.events as Array<{ action: string; actor: string; detail: Record<string, unknown> }>).filter((e) => e.actor === 'alice');
    assert.equal(mine.filter((e) => e.action === 'offline_edit').length, 2);
    assert.equal(mine.filter((e) => e.action === 'offline_conflict').length, 1);
    assert.equal(JSON.stringify(audit.json).includes('Mine-Mail-3'), false);
  });

  test('create while the server is gone (seen by the other device and a grantee); delete vs edit both ways; a right revoked: rejected', async (t) => {
    const w = await world(t, ['alice', 'bob']);
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
    const d1 = await w.add('alice', ['--name', 'Deleted offline', '--password', 'D1-pass']);
    const d3 = await w.add('bob', ['--name', 'Deleted online', '--password', 'D3-pass']);
    const s1 = await w.add('bob', ['--name', 'Write revoked', '--password', 'S1-pass']);
    await w.ok('bob', ['share', '--user', 'alice', '--rights', 'read,write,delete,export', '--', d3]);
    await w.ok('bob', ['share', '--user', 'alice', '--rights', 'read,write,export', '--', s1]);
    await w.ok('alice', ['offline', 'sync']);

    // The server gone: add falls back to the offline copy (exit 0, a warning, pending).
    await w.stopServer();
    const added = await w.client('alice', ['add', '--name', 'Made offline', '--password', 'New-Offline-1', '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.json.pending, true);
    assert.match(added.stderr, /queued in the offline database/);
    const created = added.json.id as string;
    await w.startServer();

    await w.ok('alice', ['--offline', 'rm', d1]);
    await w.ok('alice', ['--offline', 'edit', d3, '--notes', 'edited offline']);
    await w.ok('alice', ['--offline', 'edit', s1, '--username', 'offline-user']);
    assert.equal((await w.client('alice', ['--offline', 'show', d1])).code, 4, 'the local copy is gone at once');

    // Online meanwhile: d1 edited (other device), d3 deleted by bob, alice's write on s1 withdrawn.
    const dev2 = await secondDevice(w, 'alice');
    await w.ok('alice', ['edit', d1, '--notes', 'edited online'], dev2);
    await w.ok('bob', ['rm', d3]);
    await w.ok('bob', ['share', '--user', 'alice', '--rights', 'read,export', '--', s1]);

    const sync = await w.ok('alice', ['offline', 'sync', '--json']);
    assert.equal(sync.json.pushed, 3, `create, d1 (conflict), d3 (deleted): ${sync.stdout} ${JSON.stringify((await w.ok('alice', ['conflicts', '--json'])).json)}`);
    assert.equal(sync.json.conflicts, 2);
    assert.equal(sync.json.rejected, 1);

    // The offline create is on the server: the other device sees it, and a grantee after sharing.
    const l2 = await w.ok('alice', ['list', '--json'], dev2);
    assert.ok((l2.json.records as Rec[]).some((r) => r.id === created && r.name === 'Made offline'));
    await w.ok('alice', ['share', '--user', 'bob', '--rights', 'read', '--', created], dev2);
    assert.equal((await w.ok('bob', ['show', created, '--reveal', '--json'])).json.password, 'New-Offline-1');
    // Edited online while deleted offline: the delete was not applied.
    assert.equal((await w.ok('alice', ['show', d1, '--json'], dev2)).json.notes, 'edited online');
    // s1 keeps the server's version.
    assert.equal((await w.ok('bob', ['show', s1, '--json'])).json.username, '');

    const c = await w.ok('alice', ['conflicts', '--json']);
    const kinds = new Map((c.json.conflicts as Array<{ record: string; kind: string; reason: string }>).map((x) => [x.record, x]));
    assert.equal(kinds.get(d1)?.kind, 'conflict');
    assert.equal(kinds.get(d3)?.kind, 'deleted');
    assert.equal(kinds.get(s1)?.kind, 'rejected');
    assert.match(kinds.get(s1)?.reason ?? '', /write right/);

    const audit = await w.smOk('audit', '--db', 'main', '--json');
    const ev = (audit.json.events as Array<{ action: string; actor: string; target: string }>).filter((e) => e.actor === 'alice');
    assert.ok(ev.some((e) => e.action === 'offline_rejected' && e.target === s1));
    assert.ok(ev.some((e) => e.action === 'offline_conflict' && e.target === d3));

    // The offline version of the record deleted on the server is restorable.
    const res = await w.ok('alice', ['conflicts', 'resolve', d3, '--keep', 'mine', '--json']);
    assert.notEqual(res.json.current.id, d3);
    const restored = await w.ok('alice', ['show', res.json.current.id, '--reveal', '--json']);
    assert.equal(restored.json.notes, 'edited offline');
    assert.equal(restored.json.password, 'D3-pass');
    // The rejected change: dropped on request, keeping the server's version.
    await w.ok('alice', ['conflicts', 'resolve', s1, '--keep', 'server']);
    assert.deepEqual((await w.ok('alice', ['conflicts', '--json'])).json.conflicts.map((x: { record: string }) => x.record), [d1]);
  });

  test('pending changes are never thrown away by accident: remove, logout and path change refuse; an expired lease keeps them', async (t) => {
    const w = await world(t, ['alice']);
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on', '--offline-days', '1');
    const r = await w.add('alice', ['--name', 'Keep me', '--password', 'K-1']);
    await w.ok('alice', ['offline', 'sync']);
    await w.ok('alice', ['--offline', 'edit', r, '--password', 'K-2']);

    for (const args of [['offline', 'remove'], ['logout'], ['offline', 'settings', '--path', w.home('alice-elsewhere')]]) {
      const refused = await w.client('alice', args);
      assert.equal(refused.code, 8, `${args.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, /1 offline change\(s\) are queued/);
    }

    // Two days later the lease has expired: offline use is refused (exit 6), the outbox is kept and pushed.
    const later = { clockOffsetMs: 2 * 86_400_000 };
    assert.equal((await w.client('alice', ['--offline', 'list'], later)).code, 6);
    assert.equal((await w.client('alice', ['--offline', 'edit', r, '--password', 'K-3'], later)).code, 6);
    const sync = await w.ok('alice', ['offline', 'sync', '--json'], later);
    assert.equal(sync.json.pushed, 1);
    assert.equal((await w.ok('alice', ['show', r, '--reveal', '--json'])).json.password, 'K-2');
    assert.equal((await w.ok('alice', ['offline', 'status', '--json'])).json.pending, 0);
  });

  test('two offline devices of one user edit the same record', async (t) => {
    const w = await world(t, ['alice']);
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
    const r = await w.add('alice', ['--name', 'Shared box', '--username', 'u0', '--password', 'P-0', '--url', 'https://0.example']);
    const dev2 = await secondDevice(w, 'alice');
    await w.ok('alice', ['offline', 'sync']);
    await w.ok('alice', ['offline', 'sync'], dev2);
    await w.ok('alice', ['--offline', 'edit', r, '--username', 'u1', '--url', 'https://1.example']);
    await w.ok('alice', ['--offline', 'edit', r, '--password', 'P-2', '--url', 'https://2.example'], dev2);
    assert.equal((await w.ok('alice', ['offline', 'sync', '--json'])).json.conflicts, 0);
    const s2 = await w.ok('alice', ['offline', 'sync', '--json'], dev2);
    assert.equal(s2.json.pushed, 1);
    assert.equal(s2.json.conflicts, 1);
    const cur = await w.ok('alice', ['show', r, '--reveal', '--json']);
    assert.equal(cur.json.username, 'u1');
    assert.equal(cur.json.password, 'P-2');
    assert.equal(cur.json.url, 'https://1.example', 'the first push is the server value');
    const hist = await w.ok('alice', ['history', r, '--json']);
    assert.ok(hist.json.revisions.some((x: { url: string }) => x.url === 'https://2.example'), 'the other device\'s value is in history');
    const c = await w.ok('alice', ['conflicts', '--json'], dev2);
    assert.deepEqual(c.json.conflicts.map((x: { fields: string[] }) => x.fields), [['url']]);
    assert.equal((await w.ok('alice', ['conflicts', '--json'])).json.conflicts.length, 0, 'conflicts belong to the device that met them');
  });

  test('a wipe order comes after the push; what the server refuses is reported before the file goes', async (t) => {
    const w = await world(t, ['alice', 'bob']);
    for (const u of ['alice', 'bob']) await w.smOk('user', 'rights', u, '--db', 'main', '--offline-edits', 'on');
    const r = await w.add('alice', ['--name', 'Before the wipe', '--password', 'W-1']);
    await w.ok('alice', ['offline', 'sync']);
    await w.ok('bob', ['offline', 'sync']);
    await w.ok('alice', ['--offline', 'edit', r, '--password', 'W-2']);
    await w.ok('bob', ['--offline', 'add', '--name', 'Never pushed', '--password', 'B-1']);

    // The offline right withdrawn: the push is still accepted, then the wipe.
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline', 'off');
    const a = await w.client('alice', ['offline', 'sync']);
    assert.equal(a.code, 6, a.stderr);
    assert.equal((await w.ok('alice', ['show', r, '--reveal', '--json'])).json.password, 'W-2', 'pushed before the wipe');
    assert.equal((await w.client('alice', ['--offline', 'list'])).code, 6);

    // Removed from the database: the push is refused; the loss is said, with the count, before the file goes.
    await w.smOk('user', 'remove', 'bob', '--db', 'main');
    const b = await w.client('bob', ['offline', 'sync']);
    assert.equal(b.code, 6, b.stderr);
    assert.match(b.stderr, /1 queued offline change\(s\) were refused by the server and destroyed/);
  });

  test('offline remove --force says how many changes are lost', async (t) => {
    const w = await world(t, ['alice']);
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
    const r = await w.add('alice', ['--name', 'Keep me', '--password', 'K-1']);
    await w.ok('alice', ['offline', 'sync']);
    await w.ok('alice', ['--offline', 'rm', r]);
    const forced = await w.ok('alice', ['offline', 'remove', '--force', '--json']);
    assert.equal(forced.json.lost, 1);
    assert.match(forced.stderr, /1 queued offline change\(s\) were never pushed and are lost/);
    assert.equal((await w.ok('alice', ['show', r, '--json'])).json.id, r, 'the unpushed delete never reached the server');
    assert.equal(w.offlineFiles('alice').some((f) => f.endsWith('.sqlite')), false);
  });

  test('after login, every offline database of the account syncs (and pushes)', async (t) => {
    const w = await world(t, ['alice']);
    await w.smOk('db', 'create', 'fin', '--offline', 'on');
    await w.smOk('user', 'add', 'alice', '--db', 'fin');
    await w.smOk('user', 'rights', 'alice', '--db', 'fin', '--offline', 'on', '--offline-edits', 'on');
    await w.smOk('user', 'rights', 'alice', '--db', 'main', '--offline-edits', 'on');
    await w.ok('alice', ['login', '--server', w.url, '--user', 'alice']);
    await w.ok('alice', ['--db', 'main', 'offline', 'sync']);
    await w.ok('alice', ['--db', 'fin', 'offline', 'sync']);
    await w.ok('alice', ['--db', 'fin', '--offline', 'add', '--name', 'Queued in fin', '--password', 'F-1']);
    const dev2 = await secondDevice(w, 'alice');
    await w.ok('alice', ['--db', 'main', 'add', '--name', 'Online in main'], dev2);

    await w.ok('alice', ['login', '--server', w.url, '--user', 'alice']);
    const main = await w.ok('alice', ['--db', 'main', '--offline', 'list', '--json']);
    assert.ok((main.json.records as Rec[]).some((r) => r.name === 'Online in main'), 'main synced after login');
    const fin = await w.ok('alice', ['--db', 'fin', 'list', '--json'], dev2);
    assert.ok((fin.json.records as Rec[]).some((r) => r.name === 'Queued in fin'), 'fin pushed after login');
  });
});
