/**
 * Offline e2e, issue 12.3-12.4 with the two real binaries: a user removed from the server (sessions
 * gone, the re-login refused as bad_credentials) still gets the signed wipe order at the next contact,
 * whatever the command; the device acknowledges it, and the audit says delivered and acknowledged.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { World } from './offline-harness.js';

describe('offline e2e: a user removed from the server is wiped (12.3)', () => {
  test('an online command refused as bad_credentials wipes; so does the next sync of another removed user', async (t) => {
    const w = await World.create(t);
    await w.smOk('db', 'create', 'main', '--offline', 'on');
    await w.startServer();
    for (const u of ['yara', 'zack']) {
      await w.newUser(u, 'main', { offlineDays: 3 });
      await w.add(u, ['--name', `${u}-record`]);
      await w.ok(u, ['offline', 'sync']);
      assert.ok(w.offlineFiles(u).some((f) => f.endsWith('.sqlite')));
      await w.smOk('user', 'remove', u);
    }

    // An online command: the token is dead, the re-login is refused (exit 3), and the order wipes the copy.
    const list = await w.client('yara', ['list']);
    assert.equal(list.code, 3, list.stderr);
    assert.match(list.stderr, /wiped/);
    assert.deepEqual(w.offlineFiles('yara').filter((f) => f.endsWith('.sqlite') || f.endsWith('.key.json')), []);
    const st = await w.ok('yara', ['offline', 'status', '--json']);
    assert.equal(st.json.wiped?.reason, 'user_removed');

    // The sync path: exit 6, wiped.
    const sync = await w.client('zack', ['offline', 'sync']);
    assert.equal(sync.code, 6, sync.stderr);
    assert.match(sync.stderr, /wiped/);
    assert.deepEqual(w.offlineFiles('zack').filter((f) => f.endsWith('.sqlite') || f.endsWith('.key.json')), []);

    const audit = await w.smOk('audit', '--json');
    const events = audit.json.events as Array<{ action: string; actor: string; detail: { reason?: string } }>;
    for (const action of ['offline_wipe_delivered', 'offline_wipe_acknowledged']) {
      assert.deepEqual(
        events.filter((e) => e.action === action).map((e) => `${e.actor}:${e.detail.reason}`).sort(),
        ['yara:user_removed', 'zack:user_removed'],
        action,
      );
    }
  });
});
