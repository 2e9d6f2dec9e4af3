import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram, rewriteGranteeUser, runCli } from './program.js';
import { Cli } from './runtime.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await runCli(argv, { stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

test('after share/unshare, --user names the grantee; before the command it picks the account', () => {
  assert.deepEqual(rewriteGranteeUser(['share', 'ID', '--user', 'bob', '--rights', 'read']), ['share', 'ID', '--grantee-user', 'bob', '--rights', 'read']);
  assert.deepEqual(rewriteGranteeUser(['--user', 'alice', 'share', 'ID', '--user=bob']), ['--user', 'alice', 'share', 'ID', '--grantee-user=bob']);
  assert.deepEqual(rewriteGranteeUser(['--home', '/h', '--json', 'unshare', 'ID', '--user', 'bob']), ['--home', '/h', '--json', 'unshare', 'ID', '--grantee-user', 'bob']);
  assert.deepEqual(rewriteGranteeUser(['list', '--user', 'alice']), ['list', '--user', 'alice']);
  assert.deepEqual(rewriteGranteeUser(['--user', 'share', 'list']), ['--user', 'share', 'list']);
});

test('usage errors exit 2, as `error:` text or a JSON error under --json', async () => {
  const a = await run(['add']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /^error: required option '--name <name>' not specified\n$/);
  const b = await run(['add', '--json']);
  assert.equal(b.code, 2);
  assert.deepEqual(JSON.parse(b.stderr), { error: { code: 'bad_request', message: "required option '--name <name>' not specified" } });
  assert.equal((await run(['no-such-command'])).code, 2);
  assert.equal((await run(['show'])).code, 2);
  assert.equal((await run(['list', '--bogus'])).code, 2);
  assert.equal((await run(['copy', 'x', '--clear-after', '-3'])).code, 2);
  assert.equal((await run(['add', '--name', 'x', '--password', 'p', '--generate'])).code, 2);
  assert.equal((await run(['seal', 'x', '--approvers', 'a', '--required', 'two'])).code, 2);
});

test('a command without an account on this device exits 3 and says how to log in', async () => {
  const home = mkdtempSync(join(tmpdir(), 'safehold-cli-'));
  try {
    const r = await run(['--home', home, 'list'], { SAFEHOLD_PASSWORD: 'x' });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not logged in.*safehold login/);
    const j = await run(['list', '--json', '--home', home], { SAFEHOLD_PASSWORD: 'x' });
    assert.equal(JSON.parse(j.stderr).error.code, 'unauthorized');
    assert.equal(j.stdout, '');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('every command has --help with examples', async () => {
  const program = buildProgram(new Cli({ stdout: new Sink(), stderr: new Sink(), env: {} }));
  const paths: string[][] = [];
  const walk = (c: Command, prefix: string[]): void => {
    for (const sub of c.commands) {
      const p = [...prefix, sub.name()];
      paths.push(p);
      walk(sub, p);
    }
  };
  walk(program, []);
  const mine = paths;
  assert.ok(mine.length >= 30, `only ${mine.length} commands`);
  for (const p of mine) {
    const r = await run([...p, '--help']);
    assert.equal(r.code, 0, p.join(' '));
    assert.match(r.stdout, /Examples:\n {2}\$ .*safehold/, `no examples in the help of ${p.join(' ')}`);
  }
  const top = await run(['--help']);
  assert.match(top.stdout, /Exit codes:/);
});
