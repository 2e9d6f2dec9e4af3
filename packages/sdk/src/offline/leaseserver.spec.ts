/**
 * Issue 12.11: the lease's `server` field is checked. A client that knows its server's id (from register, or
 * pinned at the first lease) refuses a lease that another server signed with the same key (a restored backup,
 * a shared key file) and applies nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { syncOffline } from './sync.js';
import { openOfflineSource } from './index.js';
import { makeWire, setupOffline } from '@safehold/testkit/sdk-offline';

test("12.11: a lease for another server id is refused and nothing is applied; the id is pinned at the first lease", async (t) => {
  const { u, srv, ctx } = await setupOffline(t);
  srv.put(makeWire(u, 'main', { name: 'A' }));
  assert.equal(ctx.accountFile.serverId, undefined);
  await syncOffline(ctx, { create: true });
  assert.equal(ctx.accountFile.serverId, srv.url, 'pinned at the first lease');

  // The same signing key, another server: its leases name another server id.
  ctx.accountFile.serverId = 'another-server-id';
  srv.put(makeWire(u, 'main', { name: 'B' }));
  await assert.rejects(syncOffline(ctx, { create: false }), (e: unknown) => e instanceof SafeholdError && e.code === 'integrity' && /not_ours/.test(e.message));
  const src = await openOfflineSource(ctx);
  assert.ok(src);
  t.after(() => src.close());
  assert.deepEqual((await src.list()).map((v) => v.name), ['A']);
});
