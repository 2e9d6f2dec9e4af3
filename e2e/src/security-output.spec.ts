/**
 * Issue 12.11 with the real binaries: control characters in record and device names never reach the terminal
 * raw; `--secret-field-stdin` keeps a secret field off the command line; `trust USER --fingerprint FP` checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess } from '@safehold/testkit';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_BIN, World, type Run } from './offline-harness.js';

// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Runs the client with `input` on its standard input. */
function withStdin(w: World, user: string, args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const base = { PATH: process.env.PATH, HOME: join(w.dir, `hh-${user}`), SAFEHOLD_HOME: w.home(user), SAFEHOLD_PASSWORD: w.password(user) };
  return runProcess(process.execPath, [CLIENT_BIN, ...args], { ...base, ...env }, input);
}

test('12.11: control characters in names are neutralised in human output; --secret-field-stdin; trust --fingerprint', async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main');
  await w.startServer();
  // A device whose name carries escape sequences (the device name is the client's to choose).
  mkdirSync(w.home('alice'), { recursive: true });
  writeFileSync(join(w.home('alice'), 'device.json'), JSON.stringify({ id: 'D'.repeat(22), name: 'lap\u001b]0;owned\u0007top\u001b[2J' }));
  await w.newUser('alice', 'main');
  await w.newUser('bob', 'main');

  const evil = 'Bank\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eTXT';
  const id = await w.add('alice', ['--name', evil, '--username', 'u\u001b[8m', '--password', 'pw-ctl-1']);
  for (const args of [['list'], ['search', 'Bank'], ['show', id], ['show', id, '--reveal'], ['rights', id]]) {
    const r = await w.ok('alice', args);
    assert.equal(RAW.test(r.stdout), false, `${args.join(' ')} printed a raw control character: ${JSON.stringify(r.stdout)}`);
    if (args[0] !== 'rights') assert.match(r.stdout, /Bank/);
  }
  // --json keeps the exact value (escaped by JSON).
  const j = await w.ok('alice', ['show', id, '--json']);
  assert.equal(j.json.name, evil);
  const devices = await w.smOk('device', 'list');
  assert.equal(RAW.test(devices.stdout), false, `device list: ${JSON.stringify(devices.stdout)}`);
  assert.match(devices.stdout, /lap.*top/);

  // --secret-field-stdin: the value comes from standard input, after the master password with --password-stdin.
  const viaStdin = await withStdin(w, 'alice', ['add', '--name', 'pin holder', '--secret-field-stdin', 'pin', '--json'], '4711\n');
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  const pinId = (viaStdin.json as { id: string }).id;
  const both = await withStdin(w, 'alice', ['--password-stdin', 'edit', pinId, '--secret-field-stdin', 'pin', '--secret-field-stdin', 'puk', '--json'], `${w.password('alice')}\n5812\n9999\n`, { SAFEHOLD_PASSWORD: '' });
  assert.equal(both.code, 0, both.stderr);
  const revealed = await w.ok('alice', ['show', pinId, '--reveal', '--json']);
  assert.deepEqual(
    (revealed.json.fields as Array<{ name: string; value?: string }>).map((f) => [f.name, f.value]),
    [['pin', '5812'], ['puk', '9999']],
  );
  const missing = await withStdin(w, 'alice', ['add', '--name', 'x', '--secret-field-stdin', 'pin'], '');
  assert.equal(missing.code, 2, missing.stderr);
  const help = await w.ok('alice', ['add', '--help']);
  assert.match(help.stdout.replace(/\s+/g, ' '), /--secret-field <name=value> .*visible in the process list/);

  // trust USER --fingerprint: a wrong fingerprint is refused (exit 5) and nothing is pinned; the right one works.
  const wrong = await w.client('alice', ['trust', 'bob', '--fingerprint', '0000:1111:2222:3333:4444:5555:6666:7777']);
  assert.equal(wrong.code, 5, wrong.stderr);
  const share = await w.ok('alice', ['share', id, '--user', 'bob', '--rights', 'read', '--json']);
  const fp = (share.json.grants as Array<{ user?: string; fingerprint?: string }>).find((g) => g.user === 'bob')?.fingerprint as string;
  assert.match(fp, /^[0-9a-f]{4}(:[0-9a-f]{4}){7}$/);
  const right = await w.ok('alice', ['trust', 'bob', '--fingerprint', fp.toUpperCase().replace(/:/g, ' '), '--json']);
  assert.equal(right.json.fingerprint, fp);
});
