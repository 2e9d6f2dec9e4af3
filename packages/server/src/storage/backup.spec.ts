/**
 * `safehold-server backup` and `restore` (spec §3.1) on both backends with the real binary: the restore
 * brings back exactly the backup's state, moves every change counter past the old cursors, and refuses
 * missing, foreign and damaged files with a clear message and exit code.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachBackend, openTestStorage, runServerBin, storageArgs, tempDir, removeDir } from '@safehold/testkit';
import type { Storage } from './open.js';
import { RESTORE_SEQ_GAP } from './backup.js';

forEachBackend('backup and restore', (backend) => {
  let st: { storage: Storage; dataDir: string | null; databaseUrl: string | null; close(): Promise<void> };
  const dir = tempDir('safehold-backup-');
  const sm = (...args: string[]) => runServerBin([...storageArgs(st), ...args]);
  before(async () => {
    st = await openTestStorage(backend);
  });
  after(async () => {
    await st?.close();
    removeDir(dir);
  });

  test('restore brings back the backup, moves every counter past old cursors; refusals are clear', async () => {
    assert.equal((await sm('db', 'create', 'kept', '--offline', 'on')).code, 0);
    assert.equal((await sm('user', 'add', 'ann', '--db', 'kept')).code, 0);
    const seqOf = async (name: string) =>
      Number((await st.storage.db.selectFrom('databases').select('seq').where('name', '=', name).executeTakeFirstOrThrow()).seq);
    const before = await seqOf('kept');

    const file = join(dir, `${backend}.backup`);
    const b = await sm('backup', file, '--json');
    assert.equal(b.code, 0, b.stderr);
    assert.equal((b.json as { backend: string }).backend, backend);
    assert.equal(statSync(file).mode & 0o077, 0, '0600: it holds the signing seed and session hashes');
    assert.equal((await sm('backup', file)).code, 8, 'never overwrites');

    assert.equal((await sm('db', 'create', 'later')).code, 0);
    assert.equal((await sm('user', 'add', 'bea', '--db', 'kept')).code, 0);

    const r = await sm('restore', file, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.json as { databases: number }).databases, 1);
    const dbs = (await sm('db', 'list', '--json')).json as { databases: Array<{ name: string }> };
    assert.deepEqual(dbs.databases.map((d) => d.name), ['kept']);
    const users = (await sm('user', 'list', '--json')).json as { users: Array<{ name: string }> };
    assert.deepEqual(users.users.map((u) => u.name), ['ann']);
    const after = await seqOf('kept');
    assert.equal(after, before + RESTORE_SEQ_GAP);
    const meta = await st.storage.db.selectFrom('server_meta').select(['key', 'value']).where('key', 'like', 'changes_pruned_through:%').execute();
    assert.deepEqual(meta.map((m) => Number(m.value)), [after], 'the change log counts as pruned up to the new counter: older cursors reset');

    const missing = await sm('restore', join(dir, 'none'));
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /no backup file/);
    if (backend === 'sqlite') {
      const foreign = join(dir, 'foreign');
      writeFileSync(foreign, 'hello, not a database');
      const f = await sm('restore', foreign);
      assert.equal(f.code, 2);
      assert.match(f.stderr, /not a Safehold SQLite backup/);
      const cut = join(dir, 'cut');
      const whole = readFileSync(file);
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
      const c = await sm('restore', cut);
      assert.equal(c.code, 2, c.stderr);
      assert.match(c.stderr, /damaged|not a Safehold SQLite backup/);
      // The refused restores changed nothing.
      assert.equal(await seqOf('kept'), after);
    } else {
      const junk = join(dir, 'junk');
      writeFileSync(junk, 'hello, not a dump');
      const j = await sm('restore', junk);
      assert.equal(j.code, 1);
      assert.match(j.stderr, /pg_restore exited/);
      assert.equal(await seqOf('kept'), after);
    }
  });
});
