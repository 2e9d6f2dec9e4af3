#!/usr/bin/env node
// The main job for a newcomer: a real server on the embedded SQLite default, a database with offline mode on,
// users with the offline right, a few records (one masked, one sealed), the first manual offline sync, then the
// server stops and the client searches and copies from its offline copy. Each step is printed.
// Everything lives in a temporary directory that is removed at the end (set KEEP=1 to keep it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const serverBin = join(root, 'packages/server/bin/safehold-server.js');
const clientBin = join(root, 'packages/cli/bin/safehold.js');
const dir = mkdtempSync(join(tmpdir(), 'safehold-demo-'));
const data = join(dir, 'server');
let server;

function step(text) {
  console.log(`\n\x1b[1m▶ ${text}\x1b[0m`);
}
function show(cmd, out) {
  console.log(`  $ ${cmd}`);
  for (const line of out.trimEnd().split('\n')) if (line) console.log(`    ${line}`);
}
function run(bin, args, env = {}, { expectFail = false } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, SAFEHOLD_DATA: data, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const name = bin === serverBin ? 'safehold-server' : 'safehold';
  show(`${name} ${args.join(' ')}`, `${r.stdout}${r.stderr}`);
  if (!expectFail && r.status !== 0) throw new Error(`${name} ${args[0]} exited ${r.status}`);
  return r;
}
const admin = (args) => run(serverBin, args);
const homes = {};
function as(user, args, opts) {
  homes[user] ??= join(dir, `home-${user}`);
  return run(
    clientBin,
    args,
    {
      SAFEHOLD_HOME: homes[user],
      SAFEHOLD_PASSWORD: `demo master password of ${user}`,
      SAFEHOLD_CLIPBOARD_CMD: `cat > ${join(dir, `clipboard-${user}`)}`,
    },
    opts,
  );
}
const json = (r) => JSON.parse(r.stdout);

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function main() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  step('1. The Server Manager creates a database with offline mode enabled (R1) and two users');
  admin('db create main --offline on'.split(' '));
  const invites = {};
  for (const u of ['alice', 'bob']) invites[u] = json(admin(['user', 'add', u, '--db', 'main', '--json'])).invite;
  step('2. alice and bob get the offline right, for 7 days without a server contact (R2)');
  for (const u of ['alice', 'bob']) admin(['user', 'rights', u, '--db', 'main', '--offline', 'on', '--offline-days', '7']);

  step(`3. The server starts on the embedded SQLite default (${data})`);
  server = spawn(process.execPath, [serverBin, 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, SAFEHOLD_DATA: data },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/v1/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 100) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`    listening on ${url}`);

  step('4. alice and bob register with their invites (keys are made on the client)');
  for (const u of ['alice', 'bob']) as(u, ['register', '--server', url, '--user', u, '--invite', invites[u]]);

  step('5. alice adds records: two plain, one masked, one sealed');
  const id = {};
  id.billing = json(as('alice', ['add', '--name', 'Billing portal', '--username', 'billing', '--generate', '--url', 'https://billing.example.test', '--tag', 'finance', '--json'])).id;
  id.wiki = json(as('alice', ['add', '--name', 'Team wiki', '--username', 'alice', '--password', 'wiki-pass-1', '--url', 'https://wiki.example.test', '--json'])).id;
  id.router = json(as('alice', ['add', '--name', 'Core router', '--username', 'admin', '--password', 'router-pass-2', '--masked', '--json'])).id;
  id.ca = json(as('alice', ['add', '--name', 'Root CA key', '--password', 'ca-pass-3', '--json'])).id;
  as('alice', ['seal', id.ca, '--approvers', 'bob', '--required', '1']);
  as('alice', ['list']);
  step('6. alice shares the billing portal and the masked router with bob (read + export: export makes it go offline, R4)');
  for (const r of [id.billing, id.router]) as('alice', ['share', r, '--user', 'bob', '--rights', 'read,export']);

  step('7. The first offline sync is manual (R3); sealed records never leave the server (R5)');
  as('alice', ['offline', 'sync']);
  as('bob', ['offline', 'sync']);
  as('bob', ['offline', 'status']);

  step('8. The server stops');
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  server = undefined;

  step('9. alice and bob search and list their offline copies (R11)');
  as('alice', ['search', 'portal']);
  as('bob', ['list']);
  step('10. bob copies the masked router password offline: usable, never shown to him (R6)');
  as('bob', ['copy', id.router, '--clear-after', '0']);
  const clip = join(dir, 'clipboard-bob');
  for (let i = 0; i < 50 && !existsSync(clip); i++) await new Promise((r) => setTimeout(r, 100));
  const got = existsSync(clip) ? readFileSync(clip, 'utf8') : '';
  console.log(`    the clipboard command received ${got.length} characters (the masked password, not printed)`);
  as('bob', ['show', id.router, '--reveal'], { expectFail: true });
  step('11. Commands other than records and search need the server (R11)');
  as('alice', ['share', id.wiki, '--user', 'bob', '--rights', 'read'], { expectFail: true });

  step('Done: offline search and copy worked with the server stopped.');
}

main()
  .catch((e) => {
    console.error(`\ndemo failed: ${e.message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    server?.kill('SIGTERM');
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  });
