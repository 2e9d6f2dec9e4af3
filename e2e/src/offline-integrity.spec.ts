/**
 * A record key the server tampered with, end to end (ADR 0095): the offline sync keeps an own record's
 * secret key wrap unopened, so the tampering is noticed when that record is first opened offline: refused
 * with exit 6, naming the record and no secret; the other records and the sync itself are unaffected.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { World } from './offline-harness.js';

describe('offline e2e: a tampered secret key wrap', () => {
  test('the sync stores it; its first offline open is refused with exit 6; the other records open', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    await w.newUser('alice', 'main', { offlineDays: 5 });
    const victim = await w.add('alice', ['--name', 'Victim Login', '--username', 'victim', '--password', 'Victim-Pass-7731']);
    const other = await w.add('alice', ['--name', 'Other Login', '--username', 'other', '--password', 'Other-Pass-2290']);

    // The server's copy of alice's secret key wrap of one record: one character of its ciphertext changed.
    const sqlite = new Database(join(w.dataDir, 'safehold.db'));
    try {
      const row = sqlite.prepare(`SELECT secret_key FROM record_keys WHERE record_id = ? AND holder_kind = 'user'`).get(victim) as { secret_key: string };
      const k = row.secret_key;
      const bad = k.slice(0, 30) + (k[30] === 'A' ? 'B' : 'A') + k.slice(31);
      const changed = sqlite.prepare(`UPDATE record_keys SET secret_key = ? WHERE record_id = ? AND holder_kind = 'user'`).run(bad, victim).changes;
      assert.equal(changed, 1);
    } finally {
      sqlite.close();
    }

    const s = await w.ok('alice', ['offline', 'sync', '--json']);
    assert.equal(s.json.total, 2);
    assert.equal((await w.ok('alice', ['--offline', 'show', other, '--reveal', '--json'])).json.password, 'Other-Pass-2290');
    const listed = await w.ok('alice', ['--offline', 'list', '--json']);
    assert.equal(JSON.stringify(listed.json).includes('Victim Login'), true, 'its header is intact and listed');

    const refused = await w.client('alice', ['--offline', 'show', victim, '--reveal']);
    assert.equal(refused.code, 6, refused.stderr);
    assert.equal(refused.stderr.trim(), `error: record ${victim} failed integrity check in the offline database: its secret key was tampered with or corrupted`);
    assert.equal(`${refused.stdout}${refused.stderr}`.includes('Victim-Pass-7731'), false);
    // Online, the same wrap is the record's integrity error as ever (exit 1).
    assert.equal((await w.client('alice', ['show', victim, '--reveal'])).code, 1);
  });
});
