/**
 * Issue 12.6 with the real binaries: the server serves HTTPS with --tls-cert/--tls-key; the client trusts a
 * self-signed certificate only when given with --ca-file / SAFEHOLD_CA_FILE; plain http:// to a host that is
 * not a loopback address is refused (exit 2, naming --insecure-http) before any prompt or connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SERVER_BIN, storageArgs } from '@safehold/testkit';
import { World } from './offline-harness.js';

/** A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI (node:crypto makes no X.509). */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  return { cert, key };
}

/** Starts `safehold-server start --tls-cert --tls-key` and waits for its https:// URL. */
function startTlsServer(w: World, tls: { cert: string; key: string }, t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const proc = spawn(process.execPath, [SERVER_BIN, ...storageArgs({ dataDir: w.dataDir }), 'start', '--port', '0', '--tls-cert', tls.cert, '--tls-key', tls.key], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SAFEHOLD_DATA: '', SAFEHOLD_DATABASE_URL: '' },
  });
  const exited = new Promise<void>((r) => proc.on('close', () => r()));
  t.after(async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(https?:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    void exited.then(() => reject(new Error(`server exited: ${out} ${err}`)));
  });
}

test('12.6: HTTPS with a self-signed certificate is trusted only through --ca-file / SAFEHOLD_CA_FILE', async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main');
  const tls = selfSigned(w.dir, 'safehold-test');
  const other = selfSigned(w.dir, 'other-ca');
  const url = await startTlsServer(w, tls, t);
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const inv = await w.smOk('user', 'add', 'alice', '--db', 'main', '--json');
  const invite = (inv.json as { invite: string }).invite;

  // Not trusted: the system CAs do not know it; the message says how to trust it. Nothing is stored.
  const untrusted = await w.client('alice', ['register', '--server', url, '--user', 'alice', '--invite', invite]);
  assert.equal(untrusted.code, 1, untrusted.stderr);
  assert.match(untrusted.stderr, /certificate .*not trusted.*--ca-file/);
  const wrongCa = await w.client('alice', ['--ca-file', other.cert, 'register', '--server', url, '--user', 'alice', '--invite', invite]);
  assert.equal(wrongCa.code, 1, wrongCa.stderr);
  assert.equal(w.files(w.home('alice')).some((f) => f.endsWith('account.json')), false);

  // Trusted through --ca-file, then through SAFEHOLD_CA_FILE for later commands.
  await w.ok('alice', ['--ca-file', tls.cert, 'register', '--server', url, '--user', 'alice', '--invite', invite]);
  const id = await w.add('alice', ['--name', 'over tls', '--password', 'pw-tls-1'], { env: { SAFEHOLD_CA_FILE: tls.cert } });
  const shown = await w.ok('alice', ['show', id, '--reveal', '--json'], { env: { SAFEHOLD_CA_FILE: tls.cert } });
  assert.equal(shown.json.password, 'pw-tls-1');
  const noCa = await w.client('alice', ['list', '--json']);
  assert.notEqual(noCa.code, 0, 'without the CA the client must not talk to the server');
  assert.match(noCa.stderr, /not trusted/);
});

test('12.6: plain http:// to a non-loopback host is refused before any prompt or connection, unless --insecure-http', async (t) => {
  const w = await World.create(t);
  for (const server of ['http://192.0.2.10:8080', 'http://vault.example.test', 'http://[2001:db8::1]:8080']) {
    for (const cmd of [['register', '--invite', 'x'], ['login']]) {
      // No SAFEHOLD_PASSWORD and no terminal: a prompt would fail differently; a connection would exit 7.
      const r = await w.client('alice', [...cmd, '--server', server, '--user', 'alice'], { env: { SAFEHOLD_PASSWORD: '' } });
      assert.equal(r.code, 2, `${cmd[0]} ${server}: ${r.stderr}`);
      assert.match(r.stderr, /--insecure-http/);
    }
  }
  const json = await w.client('alice', ['login', '--server', 'http://192.0.2.10:8080', '--user', 'alice', '--json']);
  assert.equal(json.code, 2);
  assert.equal(JSON.parse(json.stderr).error.code, 'bad_request');
  // Loopback stays allowed without the flag (it reaches the connection: nothing listens there, exit 7).
  for (const server of ['http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9']) {
    const r = await w.client('alice', ['login', '--server', server, '--user', 'alice']);
    assert.equal(r.code, 7, `${server}: ${r.stderr}`);
  }
  // With --insecure-http the client goes on to connect (192.0.2.0/24 is TEST-NET: unreachable, exit 7).
  const insecure = await w.client('alice', ['--insecure-http', 'login', '--server', 'http://192.0.2.10:8080', '--user', 'alice']);
  assert.equal(insecure.code, 7, insecure.stderr);
});
