/**
 * Issue 12.11 against the real server: no existence oracles. A record id that exists in another database is
 * answered like an unknown id (not 409), and `unshare` of an unknown user name answers exactly like `unshare`
 * of an existing user who holds no grant.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomId } from '@safehold/crypto';
import { SafeholdError, asRecordId } from '@safehold/protocol';
import { createRecord, ofRecord } from './vault.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { requireDb } from './context.js';
import { unshareRecord } from './sharing.js';
import { cleanup, newUser, startServer, type TestServerLike, type TestUserCtx } from '@safehold/testkit/sdk';

describe('12.11: existence oracles', () => {
  let server: TestServerLike;
  let alice: TestUserCtx, bob: TestUserCtx;
  const dirs: string[] = [];
  before(async () => {
    server = await startServer();
    await server.admin.createDb('main');
    await server.admin.createDb('other');
    alice = await newUser(server, 'alice', 'main', dirs);
    bob = await newUser(server, 'bob', 'other', dirs);
  });
  after(async () => {
    await server.close();
    cleanup(dirs);
  });

  test('a record id of another database answers as not found, like an id that exists nowhere', async () => {
    const rec = await createRecord(alice.ctx, { name: 'in main', password: 'pw-main' });
    const raw = await alice.ctx.api.call(E.getRecord, ofRecord(alice.ctx, asRecordId(rec.id)));
    const body = (id: string) => ({ id, revision: randomId(), header: raw.header, secret: raw.secret ?? raw.header, keys: { header: raw.keys?.header, secret: raw.keys?.secret ?? raw.keys?.header } });
    const answer = async (id: string): Promise<{ code: string; message: string }> => {
      try {
        await bob.ctx.api.request('POST', `/db/${requireDb(bob.ctx)}/records`, { body: body(id) });
      } catch (e) {
        if (e instanceof SafeholdError) return { code: e.code, message: e.message };
        throw e;
      }
      return { code: 'created', message: '' };
    };
    const elsewhere = await answer(rec.id);
    assert.equal(elsewhere.code, 'not_found', 'an id of another database is not a conflict');
    const probe = await answer(rec.id);
    assert.deepEqual(probe, elsewhere);
    // The same id in its own database is still an honest conflict for a member.
    await assert.rejects(alice.ctx.api.request('POST', `/db/${requireDb(alice.ctx)}/records`, { body: body(rec.id) }), (e) => e instanceof SafeholdError && e.code === 'conflict');
  });

  test('unshare of an unknown name answers exactly like unshare of an existing user without a grant', async () => {
    const rec = await createRecord(alice.ctx, { name: 'private', password: 'pw-p' });
    const answer = async (user: string): Promise<{ code: string; message: string }> => {
      try {
        await unshareRecord(alice.ctx, rec.id, { user });
      } catch (e) {
        if (e instanceof SafeholdError) return { code: e.code, message: e.message.replace(user, 'NAME') };
        throw e;
      }
      return { code: 'ok', message: '' };
    };
    const existing = await answer('bob'); // exists on the server (another database), holds no grant
    const unknown = await answer('nobody-such');
    assert.equal(existing.code, 'not_found');
    assert.deepEqual(unknown, existing);
  });
});
