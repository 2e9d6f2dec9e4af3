/**
 * Import and export with the real binaries (issue 15): KDBX proved with keepassxc-cli, Safehold CSV and
 * Bitwarden JSON round trips with awkward values, rights (no export right, masked, sealed), audit rows,
 * idempotent re-import, files made by keepassxc-cli, and the bad-input exit codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { World, type Run } from './offline-harness.js';

function expectExit(r: Run, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: expected exit ${code}, got ${r.code}: ${r.stderr}`);
}

/** keepassxc-cli with the database password (and any further answers) on stdin. */
function kx(args: string[], input: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('keepassxc-cli', args, { input, encoding: 'utf8' });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

const AWKWARD_PASSWORD = '=cmd|"/C calc"!A0, "quoted"\nnext line\r\nCRLF 🔐';
const FILE_PW = 'file pw ✓ 42';

interface Revealed {
  name: string;
  username: string;
  url: string;
  notes: string;
  tags: string[];
  password: string;
  fields: Array<{ name: string; secret: boolean; value?: string }>;
}

/** Every record of `db` as `user` sees it revealed, keyed by name, without ids and times. */
async function revealedAll(w: World, user: string, db: string): Promise<Map<string, Revealed>> {
  const list = await w.ok(user, ['--db', db, 'list', '--json']);
  const out = new Map<string, Revealed>();
  for (const r of list.json.records as Array<{ id: string; name: string }>) {
    const s = await w.ok(user, ['--db', db, 'show', r.id, '--reveal', '--json']);
    const j = s.json as Revealed;
    out.set(j.name, { name: j.name, username: j.username, url: j.url, notes: j.notes, tags: j.tags, password: j.password, fields: j.fields });
  }
  return out;
}

test('export and import: KDBX, CSV, Bitwarden JSON, rights, audit, idempotency, bad input', async (t) => {
  const w = await World.create(t);
  for (const db of ['main', 'kdbxcopy', 'csvcopy', 'bwcopy', 'peer']) await w.smOk('db', 'create', db);
  await w.startServer();
  await w.newUser('alice', 'main');
  await w.newUser('bob', 'main');
  for (const db of ['kdbxcopy', 'csvcopy', 'bwcopy', 'peer']) await w.smOk('user', 'add', 'alice', '--db', db);
  await w.ok('alice', ['login', '--server', w.url, '--user', 'alice']);
  await w.ok('alice', ['use', 'main']);

  // Awkward values: formula starts, quotes, commas, newlines, CRLF, emoji, empty password.
  const r1 = await w.add('alice', [
    '--name', '+Billing, "portal"', '--username', '-billing', '--password', AWKWARD_PASSWORD, '--url', '@https://billing.example.test/a,b',
    '--notes', 'line 1\nline 2\r\nline 3 — Zoë', '--tag', 'finance', '--tag', 'ops,prod', '--field', 'account=42', '--field', 'multi=a: b\nc',
    '--secret-field', 'pin=-0071', '--secret-field', 'totp=otpauth://totp/x?secret=ABC',
  ]);
  await w.ok('alice', ['edit', r1, '--password', AWKWARD_PASSWORD]);
  await w.add('alice', ['--name', 'Empty password', '--password', '', '--username', 'nobody']);
  const masked = await w.add('alice', ['--name', 'Core router', '--password', 'pw-masked-Q8', '--secret-field', 'enable=pw-enable-Q9', '--masked']);
  const noExport = await w.add('alice', ['--name', 'Read only for bob', '--password', 'pw-noexport-Q1']);
  const sealed = await w.add('alice', ['--name', 'Vault door', '--password', 'pw-sealed-Q2']);
  await w.ok('alice', ['share', masked, '--user', 'bob', '--rights', 'read,export']);
  await w.ok('alice', ['share', noExport, '--user', 'bob', '--rights', 'read']);
  await w.ok('alice', ['share', sealed, '--user', 'bob', '--rights', 'read,export']);
  await w.ok('alice', ['seal', sealed, '--approvers', 'bob', '--required', '1']);

  const dir = w.dir;
  const kdbx = join(dir, 'alice.kdbx');
  const env = { SAFEHOLD_EXPORT_PASSWORD: FILE_PW };

  // --- KDBX export, proved with keepassxc-cli
  const ex = await w.ok('alice', ['export', '--format', 'kdbx', kdbx, '--history', '--json'], { env });
  assert.equal(ex.json.records, 5);
  assert.deepEqual(ex.json.withoutSecret, { masked: 0, sealed: 1 });
  assert.equal(statSync(kdbx).mode & 0o777, 0o600);
  assert.equal(readdirSync(dir).some((n) => n.endsWith('.tmp')), false, 'no temporary file left');
  const info = kx(['db-info', kdbx], FILE_PW + '\n');
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /KDF: Argon2id \(3 rounds, 65536 KB\)/);
  assert.match(info.stdout, /Cipher: AES 256-bit/);
  const ls = kx(['ls', '-R', '-f', kdbx], FILE_PW + '\n');
  assert.equal(ls.code, 0, ls.stderr);
  for (const n of ['main/+Billing, "portal"', 'main/Empty password', 'main/Core router', 'main/Vault door']) assert.ok(ls.stdout.includes(n), `${n} in ${ls.stdout}`);
  const show = kx(['show', '-s', '--all', kdbx, 'main/+Billing, "portal"'], FILE_PW + '\n');
  assert.equal(show.code, 0, show.stderr);
  assert.ok(show.stdout.includes('UserName: -billing'));
  assert.ok(show.stdout.includes('URL: @https://billing.example.test/a,b'));
  assert.ok(show.stdout.includes('pin: -0071'));
  assert.ok(show.stdout.includes(`SafeholdId: ${r1}`));
  const pw = kx(['show', '-s', '-a', 'Password', kdbx, 'main/+Billing, "portal"'], FILE_PW + '\n');
  assert.ok(pw.stdout.includes('🔐') && pw.stdout.includes('"quoted"'));
  const sealedShow = kx(['show', '-s', '-a', 'Password', kdbx, 'main/Vault door'], FILE_PW + '\n');
  assert.equal(sealedShow.stdout.includes('pw-sealed-Q2'), false, 'a sealed secret left in the KDBX file');
  expectExit(kx(['ls', kdbx], 'wrong\n') as Run, 1, 'keepassxc-cli with a wrong password');

  // never overwritten without --force; --force replaces it
  expectExit(await w.client('alice', ['export', '--format', 'kdbx', kdbx], { env }), 8, 'existing file');
  await w.ok('alice', ['export', '--format', 'kdbx', kdbx, '--force', '--history'], { env });

  // --- plaintext formats need --unencrypted and warn
  const csv = join(dir, 'alice.csv');
  expectExit(await w.client('alice', ['export', '--format', 'csv', csv]), 2, 'csv without --unencrypted');
  assert.equal(existsSync(csv), false);
  const exCsv = await w.ok('alice', ['export', '--format', 'csv', csv, '--unencrypted']);
  assert.match(exCsv.stderr, /plain text/);
  const csvText = readFileSync(csv, 'utf8');
  assert.ok(csvText.startsWith('folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp,tags,secret_fields,safehold_id\r\n'));
  assert.ok(csvText.includes('"+Billing, ""portal"""'), 'RFC 4180 quoting, no formula escape by default');
  assert.equal(csvText.includes("'+Billing"), false);
  const bw = join(dir, 'alice.json');
  await w.ok('alice', ['export', '--format', 'bitwarden-json', bw, '--unencrypted']);
  const bwDoc = JSON.parse(readFileSync(bw, 'utf8'));
  const bwItem = bwDoc.items.find((i: { name: string }) => i.name === '+Billing, "portal"');
  assert.equal(bwItem.type, 1);
  assert.equal(bwItem.login.password, AWKWARD_PASSWORD);
  assert.deepEqual(bwItem.login.uris, [{ match: null, uri: '@https://billing.example.test/a,b' }]);
  assert.ok(bwItem.fields.some((f: { name: string; type: number; value: string }) => f.name === 'pin' && f.type === 1 && f.value === '-0071'));
  const safe = join(dir, 'safe.csv');
  const exSafe = await w.ok('alice', ['export', '--format', 'csv', safe, '--unencrypted', '--spreadsheet-safe']);
  assert.match(exSafe.stderr, /no longer re-imports/);
  assert.ok(readFileSync(safe, 'utf8').includes(`"'+Billing, ""portal"""`));

  // --- rights: bob exports only what he holds export on; masked without secret; sealed header only
  const bobCsv = join(dir, 'bob.csv');
  const bobEx = await w.ok('bob', ['export', '--format', 'csv', bobCsv, '--unencrypted', '--json']);
  assert.equal(bobEx.json.records, 2);
  assert.deepEqual(bobEx.json.withoutSecret, { masked: 1, sealed: 1 });
  const bobText = readFileSync(bobCsv, 'utf8');
  assert.ok(bobText.includes('Core router') && bobText.includes('Vault door'));
  for (const s of ['pw-masked-Q8', 'pw-enable-Q9', 'pw-noexport-Q1', 'Read only for bob', 'pw-sealed-Q2']) assert.equal(bobText.includes(s), false, `${s} in bob's export`);
  const bobKdbx = join(dir, 'bob.kdbx');
  await w.ok('bob', ['export', '--format', 'kdbx', bobKdbx, '--history'], { env });
  const bobKx = kx(['export', '-f', 'xml', bobKdbx], FILE_PW + '\n');
  assert.equal(bobKx.code, 0, bobKx.stderr);
  assert.ok(bobKx.stdout.includes('Core router'));
  for (const s of ['pw-masked-Q8', 'pw-enable-Q9', 'pw-sealed-Q2']) assert.equal(bobKx.stdout.includes(s), false, `${s} in bob's KDBX`);
  const skip = join(dir, 'bob-skip.json');
  const bobSkip = await w.ok('bob', ['export', '--format', 'bitwarden-json', skip, '--unencrypted', '--skip-sealed', '--json']);
  assert.equal(bobSkip.json.records, 1);
  assert.equal(bobSkip.json.skippedSealed, 1);
  // the owner (authorize) exports the masked record whole
  assert.ok(csvText.includes('pw-masked-Q8') && csvText.includes('pw-enable-Q9'));
  assert.equal(csvText.includes('pw-sealed-Q2'), false, 'sealed secret in the owner export');

  // --- audit: export rows with format and count, never contents
  const audit = await w.smOk('audit', '--db', 'main', '--json');
  const exports = (audit.json.events as Array<{ actor: string; action: string; detail: Record<string, unknown> }>).filter((e) => e.action === 'export');
  assert.ok(exports.some((e) => e.actor === 'bob' && e.detail['format'] === 'csv' && e.detail['count'] === 2));
  assert.ok(exports.some((e) => e.actor === 'alice' && e.detail['format'] === 'kdbx' && e.detail['count'] === 5));
  assert.equal(audit.stdout.includes('pw-'), false);

  // --- round trips: KDBX, Safehold CSV and Bitwarden JSON into fresh databases keep every field
  const mainList = (await w.ok('alice', ['list', '--json'])).json.records as Array<{ id: string; name: string; sealed: boolean }>;
  const want = new Map<string, Revealed>();
  for (const r of mainList.filter((x) => !x.sealed)) {
    const j = (await w.ok('alice', ['show', r.id, '--reveal', '--json'])).json as Revealed;
    want.set(j.name, { name: j.name, username: j.username, url: j.url, notes: j.notes, tags: j.tags, password: j.password, fields: j.fields });
  }
  assert.equal(want.size, 4);
  for (const [format, file, db] of [['kdbx', kdbx, 'kdbxcopy'], ['csv', csv, 'csvcopy'], ['bitwarden-json', bw, 'bwcopy']] as const) {
    const dry = await w.ok('alice', ['--db', db, 'import', '--format', format, file, '--dry-run', '--json'], { env: { SAFEHOLD_IMPORT_PASSWORD: FILE_PW } });
    assert.equal(dry.json.created, 5);
    assert.equal(dry.json.dryRun, true);
    assert.equal(dry.stdout.includes('pw-'), false, 'dry run printed a secret');
    assert.deepEqual((await w.ok('alice', ['--db', db, 'list', '--json'])).json.records, [], 'dry run wrote nothing');
    const imp = await w.ok('alice', ['--db', db, 'import', '--format', format, file, '--json'], { env: { SAFEHOLD_IMPORT_PASSWORD: FILE_PW } });
    assert.equal(imp.json.created, 5, `${format} import`);
    const got = await revealedAll(w, 'alice', db);
    for (const [name, rec] of want) {
      const g = got.get(name);
      assert.ok(g, `${format}: ${name} imported`);
      assert.deepEqual({ ...g, fields: [...g.fields].sort((a, b) => a.name.localeCompare(b.name)) }, { ...rec, fields: [...rec.fields].sort((a, b) => a.name.localeCompare(b.name)) }, `${format}: ${name} kept byte for byte`);
    }
    const vault = got.get('Vault door');
    assert.ok(vault && vault.password === '', `${format}: the sealed record came header-only`);
    // importing the same file again adds nothing
    const again = await w.ok('alice', ['--db', db, 'import', '--format', format, file, '--json'], { env: { SAFEHOLD_IMPORT_PASSWORD: FILE_PW } });
    assert.equal(again.json.created, 0);
    assert.equal(again.json.existing, 5);
  }
  // a Safehold export re-imported where it came from adds nothing (recognised by the Safehold id)
  const back = await w.ok('alice', ['import', '--format', 'csv', csv, '--json']);
  assert.equal(back.json.created, 0);
  const hist = await w.ok('alice', ['--db', 'kdbxcopy', 'history', (await w.ok('alice', ['--db', 'kdbxcopy', 'search', 'Billing', '--json'])).json.records[0].id, '--json']);
  assert.equal(hist.json.revisions.length, 2, 'KDBX entry history became record history');

  // --- files made by keepassxc-cli itself
  const peer = join(dir, 'peer.kdbx');
  assert.equal(kx(['db-create', '-p', peer], 'pw\npw\n').code, 0);
  assert.equal(kx(['mkdir', peer, 'Work'], 'pw\n').code, 0);
  assert.equal(kx(['mkdir', peer, 'Work/Mail'], 'pw\n').code, 0);
  assert.equal(kx(['add', '-u', 'postmaster', '--url', 'https://mail.example.test', '-p', peer, 'Work/Mail/Postfix'], 'pw\n"q",=1\n').code, 0);
  assert.equal(kx(['add', '-u', 'x', '-p', peer, 'Old'], 'pw\nold\n').code, 0);
  assert.equal(kx(['rm', peer, 'Old'], 'pw\n').code, 0);
  const peerImp = await w.ok('alice', ['--db', 'peer', 'import', '--format', 'kdbx', peer, '--json'], { env: { SAFEHOLD_IMPORT_PASSWORD: 'pw' } });
  assert.equal(peerImp.json.created, 1);
  assert.equal(peerImp.json.notes.recycleBin, 1);
  const pf = (await w.ok('alice', ['--db', 'peer', 'list', '--json'])).json.records[0];
  assert.deepEqual(pf.tags, ['Work/Mail']);
  assert.equal((await w.ok('alice', ['--db', 'peer', 'show', pf.id, '--reveal', '--json'])).json.password, '"q",=1');
  const peerCsv = kx(['export', '-f', 'csv', peer], 'pw\n');
  assert.equal(peerCsv.code, 0);
  const peerCsvFile = join(dir, 'peer.csv');
  writeFileSync(peerCsvFile, peerCsv.stdout);
  const kcsv = await w.ok('alice', ['--db', 'peer', 'import', '--format', 'keepass-csv', peerCsvFile, '--json']);
  assert.equal(kcsv.json.total >= 1, true);

  // --- bad input: exit 2 with the position, 3 for a wrong file password, 4 for a database you are not in
  const trunc = join(dir, 'trunc.kdbx');
  writeFileSync(trunc, readFileSync(kdbx).subarray(0, 400));
  expectExit(await w.client('alice', ['--db', 'peer', 'import', '--format', 'kdbx', trunc], { env: { SAFEHOLD_IMPORT_PASSWORD: FILE_PW } }), 2, 'truncated KDBX');
  expectExit(await w.client('alice', ['--db', 'peer', 'import', '--format', 'kdbx', kdbx], { env: { SAFEHOLD_IMPORT_PASSWORD: 'wrong' } }), 3, 'wrong KDBX password');
  const badCols = join(dir, 'cols.csv');
  writeFileSync(badCols, 'title,secret\r\na,b\r\n');
  const bc = await w.client('alice', ['--db', 'peer', 'import', '--format', 'csv', badCols]);
  expectExit(bc, 2, 'unknown column set');
  assert.match(bc.stderr, /line 1.*unknown column set/);
  const latin = join(dir, 'latin1.csv');
  writeFileSync(latin, Buffer.concat([Buffer.from('name,login_password\r\nCaf'), Buffer.from([0xe9]), Buffer.from(',x\r\n')]));
  const l1 = await w.client('alice', ['--db', 'peer', 'import', '--format', 'csv', latin]);
  expectExit(l1, 2, 'not UTF-8');
  assert.match(l1.stderr, /not UTF-8/);
  const unclosed = join(dir, 'unclosed.csv');
  writeFileSync(unclosed, '\ufeffname,login_password\r\nok,1\r\n"broken,2\r\n');
  const uc = await w.client('alice', ['--db', 'peer', 'import', '--format', 'csv', unclosed]);
  expectExit(uc, 2, 'unclosed quote');
  assert.match(uc.stderr, /line 3/);
  const big = join(dir, 'big.csv');
  writeFileSync(big, `name,login_password\r\nfine,1\r\nhuge,${'x'.repeat(70_000)}\r\n`);
  const bg = await w.client('alice', ['--db', 'peer', 'import', '--format', 'csv', big]);
  expectExit(bg, 2, 'oversized field');
  assert.match(bg.stderr, /line 3.*too large/);
  const before = (await w.ok('alice', ['--db', 'peer', 'list', '--json'])).json.records.length;
  const truncJson = join(dir, 'trunc.json');
  writeFileSync(truncJson, readFileSync(bw, 'utf8').slice(0, 300));
  expectExit(await w.client('alice', ['--db', 'peer', 'import', '--format', 'bitwarden-json', truncJson]), 2, 'truncated JSON');
  assert.equal((await w.ok('alice', ['--db', 'peer', 'list', '--json'])).json.records.length, before, 'bad input never half-imports');
  expectExit(await w.client('bob', ['--db', 'peer', 'import', '--format', 'csv', csv]), 4, 'not a member');

  // --- both need the server: exit 7 when it is gone, and no file is left behind
  await w.stopServer();
  const off = join(dir, 'offline.kdbx');
  const ex7 = await w.client('alice', ['export', '--format', 'kdbx', off], { env });
  expectExit(ex7, 7, 'export offline');
  assert.match(ex7.stderr, /needs the server/);
  assert.equal(existsSync(off), false);
  expectExit(await w.client('alice', ['--db', 'peer', 'import', '--format', 'csv', csv]), 7, 'import offline');
});
