#!/usr/bin/env node
// Measures the files that `safehold offline sync` runs through (issue 11): a real server and the real
// CLI, both under NODE_V8_COVERAGE, and the count of packages/*/src files in which at least one function
// (other than the module's top level) ran, per package. The server's counters are flushed and reset
// (v8.takeCoverage, on SIGUSR2, by a preload) right before the measured command, and flushed again right
// after it, so its set-up (start, registration, adding records) is not counted. The CLI process is measured
// from its start: everything it runs is part of the command. Files are mapped from dist/*.js to src/*.ts
// by path (tsc's rootDir/outDir), specs excluded.
//
// Scenario: alice adds four records and shares two with bob (read + export); bob's first sync (`first`),
// then alice changes one, deletes one and shares a third; bob's second sync (`delta`).
//
// Usage: node scripts/sync-path.mjs [repo-root] [--json] [--files]   (after `npm run build` in that root)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const root = resolve(args.find((a) => !a.startsWith('--')) ?? join(import.meta.dirname, '..'));
const asJson = args.includes('--json');
const listFiles = args.includes('--files');
const serverBin = join(root, 'packages/server/bin/safehold-server.js');
const clientBin = join(root, 'packages/cli/bin/safehold.js');
const dir = mkdtempSync(join(tmpdir(), 'safehold-sync-path-'));
const data = join(dir, 'server');
const mark = join(dir, 'flushed');
let server;

function run(bin, argv, env = {}) {
  const r = spawnSync(process.execPath, [bin, ...argv], { env: { ...process.env, SAFEHOLD_DATA: data, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin.endsWith('safehold.js') ? 'safehold' : 'safehold-server'} ${argv[0]} exited ${r.status}: ${r.stderr}`);
  return r;
}
const admin = (argv) => run(serverBin, argv);
const as = (user, argv, env = {}) =>
  run(clientBin, argv, { SAFEHOLD_HOME: join(dir, `home-${user}`), SAFEHOLD_PASSWORD: `sync path master password of ${user}`, ...env });
const json = (r) => JSON.parse(r.stdout);

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Asks the server to write its coverage so far and reset its counters; resolves with the new file's name. */
async function flushServer(covDir) {
  const before = new Set(readdirSync(covDir));
  rmSync(mark, { force: true });
  server.kill('SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(mark); i++) await new Promise((r) => setTimeout(r, 25));
  const fresh = readdirSync(covDir).filter((f) => !before.has(f));
  if (fresh.length !== 1) throw new Error(`expected one new server coverage file, got ${fresh.length}`);
  return join(covDir, fresh[0]);
}

/** packages/<pkg>/src/<file>.ts of every file of the repository's dist with a function (not the top level) that ran. */
function touched(coverageFiles) {
  const out = new Set();
  const distRoot = `${join(root, 'packages')}${sep}`;
  for (const f of coverageFiles) {
    for (const script of JSON.parse(readFileSync(f, 'utf8')).result) {
      if (!script.url.startsWith('file:')) continue;
      const path = fileURLToPath(script.url);
      if (!path.startsWith(distRoot) || path.includes(`${sep}node_modules${sep}`)) continue;
      const [pkg, kind, ...rest] = path.slice(distRoot.length).split(sep);
      if (kind !== 'dist' || !rest.at(-1)?.endsWith('.js') || rest.at(-1).endsWith('.spec.js')) continue;
      const ran = script.functions.some((fn, i) => i > 0 && fn.ranges[0].count > 0);
      if (ran) out.add(`packages/${pkg}/src/${rest.join('/').replace(/\.js$/, '.ts')}`);
    }
  }
  return [...out].sort();
}

function summary(files) {
  const perPackage = {};
  for (const f of files) {
    const pkg = f.split('/')[1];
    perPackage[pkg] = (perPackage[pkg] ?? 0) + 1;
  }
  return { files: files.length, packages: Object.keys(perPackage).length, perPackage };
}

async function measure(label, user, covRoot) {
  const cli = join(covRoot, `${label}-cli`);
  const srv = join(covRoot, 'server');
  await flushServer(srv);
  as(user, ['offline', 'sync', '--json'], { NODE_V8_COVERAGE: cli });
  const serverFile = await flushServer(srv);
  const cliFiles = readdirSync(cli).map((f) => join(cli, f));
  const files = touched([...cliFiles, serverFile]);
  return { label, ...summary(files), client: summary(touched(cliFiles)).files, server: summary(touched([serverFile])).files, list: files };
}

async function main() {
  const covRoot = join(dir, 'coverage');
  mkdirSync(join(covRoot, 'server'), { recursive: true });
  const preload = join(dir, 'flush.mjs');
  writeFileSync(
    preload,
    `import v8 from 'node:v8';\nimport { writeFileSync } from 'node:fs';\nprocess.on('SIGUSR2', () => { v8.takeCoverage(); writeFileSync(${JSON.stringify(mark)}, 'ok'); });\n`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  admin(['db', 'create', 'main', '--offline', 'on']);
  const invites = {};
  for (const u of ['alice', 'bob']) invites[u] = json(admin(['user', 'add', u, '--db', 'main', '--json'])).invite;
  admin(['user', 'rights', 'bob', '--db', 'main', '--offline', 'on', '--offline-days', '7']);
  server = spawn(process.execPath, ['--import', pathToFileURL(preload).href, serverBin, 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, SAFEHOLD_DATA: data, NODE_V8_COVERAGE: join(covRoot, 'server') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/v1/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 200) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const u of ['alice', 'bob']) as(u, ['register', '--server', url, '--user', u, '--invite', invites[u]]);
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(json(as('alice', ['add', '--name', `Record ${i}`, '--username', `user${i}`, '--password', `pw-${i}-x`, '--json'])).id);
  for (const id of ids.slice(0, 2)) as('alice', ['share', id, '--user', 'bob', '--rights', 'read,export']);

  const first = await measure('first', 'bob', covRoot);
  as('alice', ['edit', ids[0], '--username', 'changed']);
  as('alice', ['rm', ids[1]]);
  as('alice', ['share', ids[2], '--user', 'bob', '--rights', 'read,export']);
  const delta = await measure('delta', 'bob', covRoot);

  const union = summary([...new Set([...first.list, ...delta.list])].sort());
  const result = { root, first: strip(first), delta: strip(delta), union };
  if (asJson) console.log(JSON.stringify(result, null, 2));
  else {
    for (const m of [first, delta]) {
      console.log(`${m.label}: ${m.files} files in ${m.packages} packages (client process ${m.client}, server ${m.server}) ${JSON.stringify(m.perPackage)}`);
    }
    console.log(`either: ${union.files} files in ${union.packages} packages ${JSON.stringify(union.perPackage)}`);
  }
  if (listFiles) for (const f of [...new Set([...first.list, ...delta.list])].sort()) console.log(f);
}

function strip(m) {
  if (listFiles) return m;
  const rest = { ...m };
  delete rest.list;
  return rest;
}

main()
  .catch((e) => {
    console.error(`sync-path failed: ${e.message}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
