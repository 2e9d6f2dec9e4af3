/**
 * Issue 17, bad input on the command line: the real `safehold` run with fuzzed argv for every command
 * (names read from its own --help, so a new command is fuzzed too): unknown and repeated flags, flag
 * values, ids, names and server URLs drawn by fast-check, against a live server and a registered
 * account. Every run must end with a documented exit code (0-8), print no stack trace, and on failure
 * say `error: ...` (or print the JSON error object under --json). Long-running commands (`ui`, `agent`) are given --help only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { World } from '../offline-harness.js';
import { SEED, figure, progress, sized } from './size.js';
import { assertNoSecrets } from './secrets.js';

/** Command paths from `safehold [sub] --help` ("Commands:" sections), one level of subcommands deep. */
async function commandsOf(w: World): Promise<string[][]> {
  const names = (help: string) =>
    [...(help.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1] as string).filter((n) => n !== 'help');
  const top = names((await w.client('alice', ['--help'])).stdout);
  const out: string[][] = [];
  for (const c of top) {
    const subs = names((await w.client('alice', [c, '--help'])).stdout);
    if (subs.length === 0) out.push([c]);
    for (const s of subs) out.push([c, s]);
  }
  return out;
}

const LONG_RUNNING = new Set(['ui', 'agent']);

test('fuzzed argv for every CLI command: a documented exit code, no crash, no secret', { timeout: 60 * 60_000 }, async (tc) => {
  const w = await World.create(tc);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  await w.newUser('alice', 'main', { offlineDays: 3 });
  const id = await w.add('alice', ['--name', 'fuzz target', '--password', 'Fuzz-Secret-77']);
  const commands = await commandsOf(w);
  assert.ok(commands.length >= 30, `found ${commands.length} commands`);

  const word = fc.oneof(
    fc.constantFrom(id, 'main', 'alice', 'bob', '0', '-1', '', ' ', '--', '-', '../../etc/passwd', 'x'.repeat(5000), '%00', '\u202e', 'a=b', 'on', 'off', 'read,write'),
    fc.constantFrom('http://', 'https://[::1', 'ftp://x', 'http://u:p@127.0.0.1:1', 'javascript:alert(1)', 'http://127.0.0.1:0', `${w.url}/../`, 'http://%zz'),
    fc.string({ maxLength: 30 }),
  );
  const flag = fc.oneof(
    fc.constantFrom('--json', '--db', '--user', '--server', '--offline', '--reveal', '--name', '--password', '--limit', '--tag', '--rights', '--role', '--required', '--approvers', '--clear-after', '--format', '--help', '--unknown-flag', '-x', '--db=', '--limit=999999999999'),
    fc.string({ maxLength: 12 }).map((s) => `--${s}`),
  );
  const argv = fc.array(fc.oneof(word, flag), { maxLength: 6 });
  const counts = { runs: 0, byExit: {} as Record<string, number>, bad: 0 };
  const bad: string[] = [];
  // About 30 fuzzed runs per command at full size (each run is a process start: ~0.35 s on 2 cores).
  const runs = sized(60, 1200);
  const p = progress('cli-fuzz', runs);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...commands), argv, async (cmd, rest) => {
      const args = LONG_RUNNING.has(cmd[0] as string) ? [...cmd, '--help'] : [...cmd, ...rest];
      p.tick();
      const r = await w.client('alice', args);
      counts.runs++;
      counts.byExit[r.code] = (counts.byExit[r.code] ?? 0) + 1;
      const crashed = /\n\s+at .+:\d+:\d+/.test(r.stderr) || /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/.test(r.stderr);
      const jsonError = r.stderr.split('\n').some((l) => {
        try {
          const e = (JSON.parse(l) as { error?: { code?: unknown; message?: unknown } }).error;
          return typeof e?.code === 'string' && typeof e.message === 'string';
        } catch {
          return false;
        }
      });
      // On failure: `error: ...`, or under --json the error object (spec §3).
      const unclear = r.code !== 0 && !/^(error|warning): /m.test(r.stderr) && !jsonError;
      const leaked = (r.stdout + r.stderr).includes(w.password('alice'));
      if (r.code < 0 || r.code > 8 || crashed || unclear || leaked) {
        counts.bad++;
        if (bad.length < 5) bad.push(`safehold ${args.map((a) => JSON.stringify(a.slice(0, 40))).join(' ')}: exit ${r.code}${crashed ? ' crash' : ''}${unclear ? ' unclear' : ''}${leaked ? ' leak' : ''}: ${r.stderr.slice(0, 300)}`);
      }
    }),
    { numRuns: runs, seed: SEED },
  );
  const seconds = p.done();
  figure('cli-fuzz', { runs: counts.runs, commands: commands.length, bad: counts.bad, exits: JSON.stringify(counts.byExit), seconds });
  assert.deepEqual(bad, []);
  assertNoSecrets(w, { passwords: [w.password('alice'), 'Fuzz-Secret-77'] });
});
