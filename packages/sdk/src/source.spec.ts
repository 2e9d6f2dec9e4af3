import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { resolveSource } from './source.js';
import { createRecord } from './vault.js';
import { cleanup, newUser, startServer } from '@safehold/testkit/sdk';

test('the server source; with the server gone and no offline database: unreachable (7) with a hint; --offline: exit 6', async (t) => {
  const dirs: string[] = [];
  const server = await startServer();
  t.after(async () => {
    await server.close();
    cleanup(dirs);
  });
  await server.admin.createDb('main');
  const alice = await newUser(server, 'alice', 'main', dirs);
  const v = await createRecord(alice.ctx, { name: 'Mail', password: 'pw' });
  const src = await resolveSource(alice.ctx);
  assert.equal(src.kind, 'server');
  assert.deepEqual((await src.list()).map((r) => r.id), [v.id]);
  const got = await src.get(v.id);
  assert.equal(got.secret?.password, 'pw');
  assert.equal(got.canReveal, true);
  await assert.rejects(resolveSource(alice.ctx, { offline: true }), (e) => e instanceof SafeholdError && e.code === 'offline_missing' && e.exitCode === 6);

  await server.close();
  const ctx = await alice.reopen();
  const down = await resolveSource(ctx);
  await assert.rejects(down.list(), (e) => e instanceof SafeholdError && e.code === 'unreachable' && e.exitCode === 7 && /no offline database/.test(e.message));
  await assert.rejects(down.get(v.id), (e) => e instanceof SafeholdError && e.code === 'unreachable');
});
