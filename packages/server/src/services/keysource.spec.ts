/**
 * Issue 12.10 on the server: the database files are 0600 whatever the directory; the signing key may come
 * from a 0600 file or SAFEHOLD_SIGNING_KEY instead of storage (a group- or world-readable file is refused); and
 * `key rotate` appends a statement signed by the old key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { openStorage } from '../storage/open.js';
import { runServerBin, tempDir, removeDir } from '@safehold/testkit';
import { keyPairOfSeed } from './keysource.js';

const mode = (f: string): number => fs.statSync(f).mode & 0o777;

function spki(raw: string): ReturnType<typeof createPublicKey> {
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(raw, 'base64url')]), format: 'der', type: 'spki' });
}

test('12.10: safehold.db, -wal and -shm are 0600 in an existing world-readable directory, and a 0644 file is tightened', async (t) => {
  const dir = tempDir('safehold-modes-');
  t.after(() => removeDir(dir));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { mode: 0o755 });
  fs.chmodSync(data, 0o755);
  const old = process.umask(0o022);
  try {
    const st = await openStorage({ dataDir: data });
    await st.db.insertInto('server_meta').values({ key: 'probe', value: 'x' }).execute();
    for (const f of ['safehold.db', 'safehold.db-wal', 'safehold.db-shm']) {
      const p = path.join(data, f);
      assert.ok(fs.existsSync(p), `${f} exists while open`);
      assert.equal(mode(p) & 0o077, 0, `${f} is ${mode(p).toString(8)}`);
    }
    await st.close();
    fs.chmodSync(path.join(data, 'safehold.db'), 0o644);
    const again = await openStorage({ dataDir: data });
    assert.equal(mode(path.join(data, 'safehold.db')), 0o600);
    await again.close();
  } finally {
    process.umask(old);
  }
});

test('12.10: the signing key from a 0600 file or SAFEHOLD_SIGNING_KEY; a group/world-readable key file is refused', async (t) => {
  const dir = tempDir('safehold-keyfile-');
  t.after(() => removeDir(dir));
  const data = ['--data', path.join(dir, 'data')];
  const seed = randomBytes(32);
  const expected = Buffer.from(keyPairOfSeed(seed).publicKey).toString('base64url');
  const file = path.join(dir, 'signing.key');
  fs.writeFileSync(file, `${seed.toString('base64url')}\n`, { mode: 0o644 });
  fs.chmodSync(file, 0o644);

  for (const cmd of [['key', 'show'], ['start', '--port', '0']]) {
    const r = await runServerBin([...data, '--signing-key-file', file, ...cmd]);
    assert.equal(r.code, 2, `${cmd.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /readable by group or others .*chmod 600/);
    assert.equal(r.stderr.includes(seed.toString('base64url')), false);
  }
  const env = await runServerBin([...data, '--json', 'key', 'show'], { SAFEHOLD_SIGNING_KEY_FILE: file });
  assert.equal(env.code, 2, env.stderr);

  fs.chmodSync(file, 0o600);
  const fromFile = await runServerBin([...data, '--signing-key-file', file, '--json', 'key', 'show']);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal((fromFile.json as { publicKey: string }).publicKey, expected);
  const fromEnv = await runServerBin([...data, '--json', 'key', 'show'], { SAFEHOLD_SIGNING_KEY: seed.toString('base64url') });
  assert.equal((fromEnv.json as { publicKey: string }).publicKey, expected);
  const stored = await runServerBin([...data, '--json', 'key', 'show']);
  assert.notEqual((stored.json as { publicKey: string }).publicKey, expected, 'without the file the stored key is used');
  const bad = await runServerBin([...data, '--json', 'key', 'show'], { SAFEHOLD_SIGNING_KEY: 'not-a-seed' });
  assert.equal(bad.code, 2);

  // Rotation of a file key: the file gets the new seed (still 0600), the statement is signed by the old key.
  const rot = await runServerBin([...data, '--signing-key-file', file, '--json', 'key', 'rotate']);
  assert.equal(rot.code, 0, rot.stderr);
  const { previous, next } = rot.json as { previous: string; next: string };
  assert.equal(previous, expected);
  assert.equal(mode(file), 0o600);
  const newSeed = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  assert.equal(Buffer.from(keyPairOfSeed(newSeed).publicKey).toString('base64url'), next);
  const st = await openStorage({ dataDir: path.join(dir, 'data') });
  const chain = JSON.parse((await st.db.selectFrom('server_meta').select('value').where('key', '=', 'signing_rotations').executeTakeFirstOrThrow()).value) as Array<{ payload: string; signature: string }>;
  await st.close();
  const last = chain.at(-1) as { payload: string; signature: string };
  assert.deepEqual({ ...JSON.parse(last.payload), at: undefined }, { kind: 'safehold-server-key-rotation', previous, next, at: undefined });
  assert.ok(verify(null, Buffer.from(last.payload), spki(previous), Buffer.from(last.signature, 'base64url')));
  // A key from the environment cannot be rotated in place.
  const envRot = await runServerBin([...data, 'key', 'rotate'], { SAFEHOLD_SIGNING_KEY: newSeed.toString('base64url') });
  assert.equal(envRot.code, 2);
  assert.match(envRot.stderr, /SAFEHOLD_SIGNING_KEY/);
});
