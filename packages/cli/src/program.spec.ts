import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram, rewriteGranteeUser, runCli } from './program.js';
import { Cli } from './runtime.js';
import { COMMAND_GROUPS } from './commands/index.js';

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
  const program = await buildProgram(new Cli({ stdout: new Sink(), stderr: new Sink(), env: {} }));
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

test('the command table names exactly the commands each group registers, in the order of the help', async () => {
  const cli = new Cli({ stdout: new Sink(), stderr: new Sink(), env: {} });
  const all = await buildProgram(cli);
  assert.deepEqual(
    all.commands.map((c) => c.name()),
    COMMAND_GROUPS.flatMap((g) => g.names),
  );
  for (const g of COMMAND_GROUPS) {
    const one = await buildProgram(cli, ['--json', '--home', '/h', g.names[0] as string, '--help']);
    assert.deepEqual(one.commands.map((c) => c.name()), [...g.names], `group of ${g.names[0]}`);
  }
});

test('a run loads only the invoked command group, and every group for help, no command or an unknown one', async () => {
  const cli = new Cli({ stdout: new Sink(), stderr: new Sink(), env: {} });
  const names = async (argv: string[]): Promise<string[]> => (await buildProgram(cli, argv)).commands.map((c) => c.name());
  assert.deepEqual(await names(['offline', 'sync', '--json']), ['offline']);
  assert.deepEqual(await names(['--db=main', '--server', 'https://x', 'offline', 'sync']), ['offline']);
  assert.deepEqual(await names(['--user', 'alice', 'share', 'ID', '--grantee-user', 'bob']), ['share', 'unshare', 'rights', 'trust']);
  const every = COMMAND_GROUPS.flatMap((g) => g.names);
  for (const argv of [[], ['--help'], ['help', 'offline'], ['-V'], ['no-such-command'], ['--bogus', 'list'], ['--', 'list'], ['--home']]) {
    assert.deepEqual(await names(argv), every, argv.join(' '));
  }
});
