/**
 * Issue 17, backup and restore with the real binaries: `safehold-server backup FILE` while the server
 * runs and takes writes, `restore FILE`, then a client whose cursor is newer than the backup syncs. It
 * must get a reset (its offline copy ends equal to the server's records), never a delta over a gap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { World } from '../offline-harness.js';
import { assertNoSecrets } from './secrets.js';

const names = (r: { json: { records: Array<{ name: string }> } }): string[] => r.json.records.map((x) => x.name).sort();

test('backup while writing, restore, then a client ahead of the backup gets a reset, never a gap (SQLite)', async (t) => {
  const w = await World.create(t);
  await w.smOk('db', 'create', 'main', '--offline', 'on');
  await w.startServer();
  await w.newUser('alice', 'main', { offlineDays: 3 });
  for (let i = 0; i < 4; i++) await w.add('alice', ['--name', `kept-${i}`, '--password', `Kept-Pass-${i}`]);
  // The device holds the offline database in the backup already (else the restored server simply sees a new device).
  await w.ok('alice', ['offline', 'sync']);
  // Syncs only when asked: a save must not sync on its own right after the restore (while the counter is still behind).
  await w.ok('alice', ['offline', 'settings', '--after-save', 'off']);

  // The backup runs while the client writes: it must be a consistent copy of one moment.
  const file = join(w.dir, 'backup.db');
  // (The racing write goes through the Server Manager: a client's save on this loaded machine may pass the
  // 5 s unreachable rule and fall back to an offline edit, which is another test.)
  const [b] = await Promise.all([w.smOk('backup', file, '--json'), w.smOk('user', 'add', 'racer', '--db', 'main')]);
  assert.equal(b.json.backend, 'sqlite');
  assert.equal(statSync(file).mode & 0o077, 0, 'the backup holds the signing seed: 0600');
  const again = await w.sm('backup', file);
  assert.equal(again.code, 8, 'an existing file is never overwritten');

  // After the backup: more records, and alice's offline copy moves past the backup's counter.
  for (let i = 0; i < 4; i++) await w.add('alice', ['--name', `lost-${i}`, '--password', `Lost-Pass-${i}`]);
  await w.ok('alice', ['offline', 'sync']);
  const before = await w.ok('alice', ['--offline', 'list', '--json']);
  assert.ok(names(before).includes('lost-0'));

  await w.stopServer();
  const r = await w.smOk('restore', file, '--json');
  assert.equal(r.json.databases, 1);
  await w.startServer();
  // New writes after the restore carry the counter past alice's old cursor.
  for (let i = 0; i < 12; i++) await w.add('alice', ['--name', `after-${i}`, '--password', `After-Pass-${i}`]);

  await w.ok('alice', ['offline', 'sync']);
  const online = await w.ok('alice', ['list', '--json']);
  const offline = await w.ok('alice', ['--offline', 'list', '--json']);
  assert.deepEqual(names(offline), names(online), 'the offline copy equals the restored server: no lost-* left, no after-* missing');
  assert.equal(names(online).some((n) => n.startsWith('lost-')), false);
  assert.equal(names(online).filter((n) => n.startsWith('kept-')).length, 4);

  // Refusals: no such file (4), not a backup (2), a damaged backup (2); each a clear message.
  assert.equal((await w.sm('restore', join(w.dir, 'none.db'))).code, 4);
  const junk = join(w.dir, 'junk.db');
  writeFileSync(junk, 'not a database at all');
  const bad = await w.sm('restore', junk);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a Safehold SQLite backup/);
  assertNoSecrets(w, { passwords: ['Kept-Pass-0', 'Lost-Pass-0', 'After-Pass-0', w.password('alice')] });
});
