/**
 * Issue 12.11: sessions, failed-login rows and the audit log are pruned past their retention (documented
 * defaults: 7, 1 and 365 days; 0 keeps for ever), by `safehold-server prune` and by the running server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openStorage } from '../storage/open.js';
import { runServerBin, tempDir, removeDir } from '@safehold/testkit';
import { DEFAULT_RETENTION } from './retention.js';

const DAY = 24 * 60 * 60 * 1000;

test('12.11: prune deletes what is past its retention and keeps the rest; 0 keeps for ever', async (t) => {
  const dir = tempDir('safehold-retention-');
  t.after(() => removeDir(dir));
  const dataDir = path.join(dir, 'data');
  assert.deepEqual(DEFAULT_RETENTION, { sessionsDays: 7, failuresDays: 1, auditDays: 365 });
  const now = Date.now();
  const seed = async (): Promise<void> => {
    const st = await openStorage({ dataDir });
    await st.db.deleteFrom('sessions').execute();
    await st.db.deleteFrom('login_failures').execute();
    await st.db.deleteFrom('audit').execute();
    const session = (h: string, expiresAt: number) => ({ token_hash: h, user_id: 'U'.repeat(22), device_id: 'D'.repeat(22), created_at: expiresAt - DAY, expires_at: expiresAt, last_seen_at: expiresAt - DAY });
    await st.db.insertInto('sessions').values([session('old', now - 8 * DAY), session('recent', now - 2 * DAY), session('live', now + DAY)]).execute();
    await st.db.insertInto('login_failures').values([{ key: 'user:old', count: 3, window_start: now - 2 * DAY }, { key: 'user:new', count: 1, window_start: now - 60_000 }]).execute();
    const ev = (id: string, at: number) => ({ id, at, db: null, actor: 'admin', action: 'probe', target: null, detail: '{}' });
    await st.db.insertInto('audit').values([ev('a-old', now - 400 * DAY), ev('a-new', now - 10 * DAY)]).execute();
    await st.close();
  };
  const left = async (): Promise<{ sessions: string[]; failures: string[]; audit: string[] }> => {
    const st = await openStorage({ dataDir });
    const out = {
      sessions: (await st.db.selectFrom('sessions').select('token_hash').execute()).map((r) => r.token_hash).sort(),
      failures: (await st.db.selectFrom('login_failures').select('key').execute()).map((r) => r.key).sort(),
      audit: (await st.db.selectFrom('audit').select('id').where('action', '=', 'probe').execute()).map((r) => r.id).sort(),
    };
    await st.close();
    return out;
  };

  await seed();
  const r = await runServerBin(['--data', dataDir, '--json', 'prune']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((r.json as { pruned: unknown }).pruned, { sessions: 1, failures: 1, audit: 1 });
  assert.deepEqual(await left(), { sessions: ['live', 'recent'], failures: ['user:new'], audit: ['a-new'] });

  await seed();
  const keep = await runServerBin(['--data', dataDir, '--json', 'prune', '--retention-sessions', '0', '--retention-failures', '0', '--retention-audit', '0']);
  assert.equal(keep.code, 0, keep.stderr);
  assert.deepEqual(await left(), { sessions: ['live', 'old', 'recent'], failures: ['user:new', 'user:old'], audit: ['a-new', 'a-old'] });
  const tight = await runServerBin(['--data', dataDir, 'prune', '--retention-sessions', '1', '--retention-audit', '5']);
  assert.equal(tight.code, 0, tight.stderr);
  assert.deepEqual(await left(), { sessions: ['live'], failures: ['user:new'], audit: [] });
  const bad = await runServerBin(['--data', dataDir, 'prune', '--retention-audit', 'soon']);
  assert.equal(bad.code, 2);
});
