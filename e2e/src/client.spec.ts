/**
 * The online client with the real binaries over HTTP (ISSUE 5 "Done when"): alice, bob, carol and
 * dave; user and role shares; masking; a 2-of-2 seal; exit codes 2/3/4/5/7/8; tampered ciphertext;
 * and the JSON shapes of spec §3.2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { World, eventually, type Run } from './offline-harness.js';

const RECORD_KEYS = ['fields', 'id', 'masked', 'name', 'notes', 'revision', 'rights', 'sealed', 'tags', 'updatedAt', 'url', 'username'];

function assertRecordShape(j: Record<string, unknown>, extra: string[] = []): void {
  assert.deepEqual(Object.keys(j).sort(), [...RECORD_KEYS, ...extra].sort());
  assert.match(String(j.id), /^[A-Za-z0-9_-]{22}$/);
  assert.match(String(j.revision), /^[A-Za-z0-9_-]{22}$/);
  assert.ok(Array.isArray(j.tags) && Array.isArray(j.rights) && Array.isArray(j.fields));
  assert.equal(typeof j.masked, 'boolean');
  assert.equal(typeof j.sealed, 'boolean');
  assert.ok(!Number.isNaN(Date.parse(String(j.updatedAt))));
  for (const f of j.fields as Array<Record<string, unknown>>) {
    assert.equal(typeof f.name, 'string');
    assert.equal(typeof f.secret, 'boolean');
  }
}

function expectExit(r: Run, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: expected exit ${code}, got ${r.code}: ${r.stderr}`);
}

test('online client: sharing, roles, masking, seals, exit codes and JSON shapes with the real binaries', async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main');
  await w.startServer();
  for (const u of ['alice', 'bob', 'carol', 'dave']) await w.newUser(u, 'main');

  // --version and --help
  const v = await w.ok('alice', ['--version']);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
  for (const args of [['--help'], ['add', '--help'], ['share', '--help'], ['release', 'request', '--help'], ['role', 'add', '--help']]) {
    const h = await w.ok('alice', args);
    assert.match(h.stdout, /Examples:/, `help of ${args.join(' ')}`);
  }

  // roles from the client
  const rc = await w.ok('alice', ['role', 'create', 'ops', '--json']);
  assert.equal(rc.json.name, 'ops');
  await w.ok('alice', ['role', 'add', 'ops', 'carol']);
  expectExit(await w.client('alice', ['role', 'create', 'ops']), 8, 'duplicate role');
  const roles = await w.ok('carol', ['role', 'list', '--json']);
  assert.deepEqual(roles.json.roles.find((r: { name: string }) => r.name === 'ops').members.sort(), ['alice', 'carol']);

  // add: one record object
  const add = await w.ok('alice', ['add', '--name', 'Billing portal', '--username', 'billing', '--password', 'pw-bill-Q7', '--url', 'https://billing.example.test', '--tag', 'finance', '--field', 'account=42', '--secret-field', 'pin=9911', '--notes', 'Ask Zoë', '--json']);
  assertRecordShape(add.json);
  const id1 = add.json.id as string;
  assert.deepEqual(add.json.fields, [
    { name: 'account', secret: false, value: '42' },
    { name: 'pin', secret: true },
  ]);
  assert.equal(add.stdout.includes('pw-bill-Q7') || add.stdout.includes('9911'), false);

  // share with bob (read, export) and the role ops (read)
  await w.ok('alice', ['share', id1, '--user', 'bob', '--rights', 'read,export']);
  await w.ok('alice', ['share', id1, '--role', 'ops', '--rights', 'read']);
  const rights = await w.ok('alice', ['rights', id1, '--json']);
  assert.equal(rights.json.record, id1);
  const grants = rights.json.grants as Array<{ user?: string; role?: string; rights: string[] }>;
  assert.deepEqual(grants.find((g) => g.user === 'alice')?.rights.sort(), ['authorize', 'delete', 'export', 'read', 'write']);
  assert.deepEqual(grants.find((g) => g.user === 'bob')?.rights, ['read', 'export']);
  assert.deepEqual(grants.find((g) => g.role === 'ops')?.rights, ['read']);

  // bob reveals; carol sees it through the role; dave sees nothing
  const bobShow = await w.ok('bob', ['show', id1, '--reveal', '--json']);
  assertRecordShape(bobShow.json, ['password']);
  assert.equal(bobShow.json.password, 'pw-bill-Q7');
  assert.deepEqual(bobShow.json.fields[1], { name: 'pin', secret: true, value: '9911' });
  assert.deepEqual(bobShow.json.rights, ['read', 'export']);
  const carolShow = await w.ok('carol', ['show', id1, '--json']);
  assertRecordShape(carolShow.json);
  assert.equal(carolShow.stdout.includes('pw-bill-Q7'), false, 'show without --reveal printed the secret');
  const carolList = await w.ok('carol', ['list', '--json']);
  assert.deepEqual(Object.keys(carolList.json).sort(), ['records', 'source']);
  assert.equal(carolList.json.source, 'server');
  assert.deepEqual(carolList.json.records.map((r: { id: string }) => r.id), [id1]);
  expectExit(await w.client('dave', ['show', id1]), 4, 'dave show');
  assert.deepEqual((await w.ok('dave', ['list', '--json'])).json.records, []);
  const bobShare = await w.client('bob', ['share', id1, '--user', 'dave', '--rights', 'read', '--json']);
  expectExit(bobShare, 5, 'bob share without authorize');
  assert.equal(JSON.parse(bobShare.stderr).error.code, 'forbidden');

  // list / search never print secrets; search folds case and accents
  const list = await w.ok('alice', ['list', '--json']);
  assert.equal(list.stdout.includes('pw-bill-Q7') || list.stdout.includes('9911'), false);
  for (const r of list.json.records) assertRecordShape(r);
  const search = await w.ok('alice', ['search', 'ZOE', '--json']);
  assert.deepEqual(search.json.records.map((r: { id: string }) => r.id), [id1]);
  assert.equal(search.json.source, 'server');
  assert.deepEqual((await w.ok('alice', ['list', '--tag', 'FINANCE', '--json'])).json.records.length, 1);
  assert.deepEqual((await w.ok('alice', ['search', 'pw-bill-Q7', '--json'])).json.records, []);

  // edit, history, stale edit (exit 8)
  const edited = await w.ok('alice', ['edit', id1, '--password', 'pw-bill-R2', '--json']);
  assertRecordShape(edited.json);
  assert.notEqual(edited.json.revision, add.json.revision);
  const hist = await w.ok('alice', ['history', id1, '--json']);
  assert.equal(hist.stdout.includes('pw-bill'), false, 'history without --reveal printed a secret');
  assert.equal(hist.json.record, id1);
  assert.ok(hist.json.revisions.length >= 2);
  const histR = await w.ok('alice', ['history', id1, '--reveal', '--json']);
  assert.ok(histR.stdout.includes('pw-bill-Q7') && histR.stdout.includes('pw-bill-R2'));
  expectExit(await w.client('alice', ['edit', id1, '--notes', 'x', '--base-revision', add.json.revision]), 8, 'stale edit');

  // masked: reveal refused (5) for bob, copy works and never prints; the owner reveals
  const id2 = await w.add('alice', ['--name', 'Core router', '--password', 'pw-mask-Q8', '--masked']);
  await w.ok('alice', ['share', id2, '--user', 'bob', '--rights', 'read']);
  const masked = await w.client('bob', ['show', id2, '--reveal', '--json']);
  expectExit(masked, 5, 'masked reveal');
  assert.equal(JSON.parse(masked.stderr).error.code, 'masked');
  assert.equal(masked.stdout.includes('pw-mask-Q8') || masked.stderr.includes('pw-mask-Q8'), false);
  expectExit(await w.client('bob', ['history', id2, '--reveal']), 5, 'masked history reveal');
  const copy = await w.ok('bob', ['copy', id2, '--clear-after', '1']);
  assert.equal(copy.stdout.includes('pw-mask-Q8') || copy.stderr.includes('pw-mask-Q8'), false);
  assert.ok(await eventually(() => w.readClipboard('bob') === 'pw-mask-Q8'), 'the clipboard did not receive the secret');
  assert.ok(await eventually(() => w.readClipboard('bob') === ''), 'the clipboard was not cleared');
  assert.equal((await w.ok('alice', ['show', id2, '--reveal', '--json'])).json.password, 'pw-mask-Q8');

  // sealed: withheld until two approvals
  const id3 = await w.add('alice', ['--name', 'Root CA key', '--password', 'pw-seal-Q9']);
  await w.ok('alice', ['share', id3, '--user', 'bob', '--rights', 'read']);
  const sealed = await w.ok('alice', ['seal', id3, '--approvers', 'carol,dave', '--required', '2', '--json']);
  assert.equal(sealed.json.sealed, true);
  expectExit(await w.client('bob', ['show', id3, '--reveal']), 5, 'sealed reveal');
  expectExit(await w.client('bob', ['copy', id3]), 5, 'sealed copy');
  expectExit(await w.client('alice', ['show', id3, '--reveal']), 5, 'sealed reveal by the owner');
  const rq = await w.ok('bob', ['release', 'request', id3, '--reason', 'rotate CA', '--json']);
  for (const k of ['id', 'record', 'requester', 'reason', 'approvals', 'required', 'status', 'expiresAt']) assert.ok(k in rq.json, `release request lacks ${k}`);
  assert.deepEqual(
    { record: rq.json.record, requester: rq.json.requester, reason: rq.json.reason, approvals: rq.json.approvals, required: rq.json.required, status: rq.json.status, expiresAt: rq.json.expiresAt },
    { record: id3, requester: 'bob', reason: 'rotate CA', approvals: 0, required: 2, status: 'pending', expiresAt: null },
  );
  expectExit(await w.client('bob', ['release', 'approve', rq.json.id]), 5, 'self-approval');
  await w.ok('carol', ['release', 'approve', rq.json.id]);
  expectExit(await w.client('bob', ['show', id3, '--reveal']), 5, 'one approval of two');
  const approved = await w.ok('dave', ['release', 'approve', rq.json.id, '--json']);
  assert.equal(approved.json.status, 'approved');
  assert.equal((await w.ok('bob', ['show', id3, '--reveal', '--json'])).json.password, 'pw-seal-Q9');
  assert.ok((await w.ok('carol', ['release', 'list', '--json'])).json.releases.some((r: { id: string }) => r.id === rq.json.id));
  // Lifting the seal needs its quorum too (12.1): alice's authorize alone is refused with exit 5.
  expectExit(await w.client('alice', ['unseal', id3]), 5, 'unseal without an approved unseal release');
  expectExit(await w.client('alice', ['release', 'request', id3, '--kind', 'lift']), 2, 'unknown release kind');
  const lift = await w.ok('alice', ['release', 'request', id3, '--kind', 'unseal', '--json']);
  assert.equal(lift.json.kind, 'unseal');
  await w.ok('carol', ['release', 'approve', lift.json.id]);
  await w.ok('dave', ['release', 'approve', lift.json.id]);
  assert.equal((await w.ok('alice', ['unseal', id3, '--json'])).json.sealed, false);

  // generated passwords
  const gen = await w.add('alice', ['--name', 'Generated', '--generate', '--length', '32', '--chars', 'digits']);
  assert.match((await w.ok('alice', ['show', gen, '--reveal', '--json'])).json.password, /^\d{32}$/);

  // exit codes: usage 2, auth 3, not found 4
  expectExit(await w.client('alice', ['add']), 2, 'add without --name');
  expectExit(await w.client('alice', ['add', '--name', 'x', '--chars', 'emoji', '--generate']), 2, 'unknown char set');
  expectExit(await w.client('alice', ['share', id1, '--user', 'bob', '--rights', 'own']), 2, 'unknown right');
  const usageJson = await w.client('alice', ['add', '--json']);
  expectExit(usageJson, 2, 'usage under --json');
  assert.equal(JSON.parse(usageJson.stderr).error.code, 'bad_request');
  const wrong = await w.client('alice', ['list'], { password: 'wrong' });
  expectExit(wrong, 3, 'wrong master password');
  assert.match(wrong.stderr, /^error: wrong master password/);
  expectExit(await w.client('alice', ['show', 'no-such-record-id']), 4, 'malformed id');
  expectExit(await w.client('alice', ['show', 'AAAAAAAAAAAAAAAAAAAAAA']), 4, 'unknown id');

  // unlock / lock: a session key replaces the master password
  const key = (await w.ok('alice', ['unlock', '--raw'])).stdout.trim();
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  assert.match((await w.ok('alice', ['unlock'])).stdout, /^export SAFEHOLD_SESSION=[A-Za-z0-9_-]{43}\n$/);
  const key2 = (await w.ok('alice', ['unlock', '--raw'])).stdout.trim();
  const viaSession = await w.ok('alice', ['list', '--json'], { password: '', env: { SAFEHOLD_SESSION: key2 } });
  assert.ok(viaSession.json.records.length >= 3);
  expectExit(await w.client('alice', ['list'], { password: '', env: { SAFEHOLD_SESSION: key } }), 3, 'superseded session key');
  await w.ok('alice', ['lock']);
  assert.notEqual((await w.client('alice', ['list'], { password: '', env: { SAFEHOLD_SESSION: key2 } })).code, 0, 'locked session still opens');

  // login on a second device (home) of bob: same records, the after-login step runs
  const bobLaptop = join(w.dir, 'home-bob-laptop');
  const login = await w.ok('bob', ['login', '--server', w.url, '--user', 'bob', '--json'], { home: bobLaptop });
  assert.equal(login.json.user, 'bob');
  assert.equal(login.json.db, 'main');
  assert.equal((await w.ok('bob', ['show', id1, '--reveal', '--json'], { home: bobLaptop })).json.password, 'pw-bill-R2');
  expectExit(await w.client('bob', ['login', '--server', w.url, '--user', 'bob'], { home: bobLaptop, password: 'nope' }), 3, 'login with a wrong password');
  await w.ok('bob', ['logout'], { home: bobLaptop });

  // passwd: the old password stops working
  await w.ok('dave', ['passwd'], { env: { SAFEHOLD_NEW_PASSWORD: 'dave new password' } });
  expectExit(await w.client('dave', ['list']), 3, 'old password after passwd');
  await w.ok('dave', ['list'], { password: 'dave new password' });

  // tampered ciphertext on the server: a clear integrity error, exit 1
  const sqlite = new Database(join(w.dataDir, 'safehold.db'));
  try {
    const row = sqlite.prepare('SELECT header FROM records WHERE id = ?').get(id1) as { header: string };
    const h = row.header;
    const bad = h.slice(0, 40) + (h[40] === 'A' ? 'B' : 'A') + h.slice(41);
    sqlite.prepare('UPDATE records SET header = ? WHERE id = ?').run(bad, id1);
  } finally {
    sqlite.close();
  }
  const tampered = await w.client('alice', ['show', id1]);
  expectExit(tampered, 1, 'tampered record');
  assert.equal(tampered.stderr.trim(), `error: record ${id1} failed integrity check: the server sent data that was tampered with or corrupted`);

  // server down: 7, with the hint that no offline database exists / what offline mode offers
  await w.stopServer();
  const down = await w.client('dave', ['list'], { password: 'dave new password' });
  expectExit(down, 7, 'list with the server down');
  const downShare = await w.client('alice', ['share', id2, '--user', 'carol', '--rights', 'read']);
  expectExit(downShare, 7, 'share with the server down');
  assert.match(downShare.stderr, /needs the server/);
});
