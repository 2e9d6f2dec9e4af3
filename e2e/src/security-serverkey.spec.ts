/**
 * Issue 12.10 with the real binaries: `safehold-server key rotate` replaces the signing key; a client that
 * synced before the rotation follows the chain (the old key signs the new one) and syncs after it, online and
 * offline; a key swapped in without the old key's signature (a forged "rotation" too) is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { World } from './offline-harness.js';

function accountKey(w: World, user: string): string {
  const files = w.files(w.home(user)).filter((f) => f.endsWith('account.json'));
  assert.equal(files.length, 1);
  return (JSON.parse(readFileSync(files[0] as string, 'utf8')) as { signingPublicKey: string }).signingPublicKey;
}

function edKey(seed: Buffer): { sk: ReturnType<typeof createPrivateKey>; pk: string } {
  const sk = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(sk).export({ format: 'der', type: 'spki' });
  return { sk, pk: spki.subarray(spki.length - 32).toString('base64url') };
}

test('12.10: key rotate — a client that synced before follows the signed rotation; a forged key is refused', async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  await w.newUser('alice', 'main', { offlineDays: 7 });
  const id = await w.add('alice', ['--name', 'before rotation', '--password', 'pw-rot-1']);
  await w.ok('alice', ['offline', 'sync']);
  const before = accountKey(w, 'alice');
  const shown = await w.smOk('key', 'show', '--json');
  assert.equal(shown.json.publicKey, before);

  // Rotate (the Server Manager works on the storage); restart so the server signs with the new key.
  const rot = await w.smOk('key', 'rotate', '--json');
  assert.equal(rot.json.previous, before);
  assert.notEqual(rot.json.next, before);
  await w.stopServer();
  await w.startServer();

  // The client syncs after the rotation with its still-valid session: the lease is signed by the new key,
  // which the pinned key signed. The account and the offline database now pin the new key.
  await w.add('alice', ['--name', 'after rotation', '--password', 'pw-rot-2']);
  const sync = await w.ok('alice', ['offline', 'sync', '--json']);
  assert.equal(sync.json.total, 2);
  assert.equal(accountKey(w, 'alice'), rot.json.next);
  const off = await w.ok('alice', ['--offline', 'show', id, '--reveal', '--json']);
  assert.equal(off.json.password, 'pw-rot-1');
  // A fresh login (another session) sees the same key and accepts it silently.
  await w.ok('alice', ['login', '--server', w.url, '--user', 'alice']);
  assert.equal(accountKey(w, 'alice'), rot.json.next);

  // A second rotation, then a forged one: a key swapped into storage, with a "rotation" statement signed by the
  // forged key itself (not by the pinned one). The client refuses it, online and at sync, and keeps its pin.
  await w.smOk('key', 'rotate');
  await w.stopServer();
  await w.startServer();
  await w.ok('alice', ['offline', 'sync']);
  const pinned = accountKey(w, 'alice');
  await w.stopServer();
  const forgedSeed = randomBytes(32);
  const forged = edKey(forgedSeed);
  const sqlite = new Database(join(w.dataDir, 'safehold.db'));
  const chain = JSON.parse((sqlite.prepare(`select value from server_meta where key = 'signing_rotations'`).get() as { value: string }).value) as unknown[];
  const payload = JSON.stringify({ kind: 'safehold-server-key-rotation', previous: pinned, next: forged.pk, at: new Date().toISOString() });
  chain.push({ payload, signature: sign(null, Buffer.from(payload), forged.sk).toString('base64url') });
  sqlite.prepare(`update server_meta set value = ? where key = 'signing_rotations'`).run(JSON.stringify(chain));
  sqlite.prepare(`update server_meta set value = ? where key = 'signing_seed'`).run(forgedSeed.toString('base64url'));
  sqlite.close();
  await w.startServer();
  const refusedSync = await w.client('alice', ['offline', 'sync']);
  assert.equal(refusedSync.code, 1, refusedSync.stderr);
  assert.match(refusedSync.stderr, /old key does not sign the new one/);
  const refusedLogin = await w.client('alice', ['login', '--server', w.url, '--user', 'alice']);
  assert.equal(refusedLogin.code, 1, refusedLogin.stderr);
  assert.match(refusedLogin.stderr, /signing key changed/);
  assert.equal(accountKey(w, 'alice'), pinned);
  // The offline copy is untouched and still opens under the old pin.
  const still = await w.ok('alice', ['--offline', 'list', '--json']);
  assert.equal(still.json.records.length, 2);
});
