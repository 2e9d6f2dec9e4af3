/**
 * Issue 12.11 against the real server: a password change ends the other devices' sessions, and another device
 * then signs in with the new password (its local copy of the wrapped user key is the old one).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { Home } from './home.js';
import { login, openSession } from './session.js';
import { changePassword } from './sessionops.js';
import { createRecord, getRecord } from './vault.js';
import { cleanup, fixedPassword, newUser, passwordOf, startServer, tempHome, type TestServerLike, type TestUserCtx } from '@safehold/testkit/sdk';

describe('12.11: passwd and the other devices', () => {
  let server: TestServerLike;
  let alice: TestUserCtx;
  const dirs: string[] = [];
  before(async () => {
    server = await startServer();
    await server.admin.createDb('main');
    alice = await newUser(server, 'alice', 'main', dirs);
  });
  after(async () => {
    await server.close();
    cleanup(dirs);
  });

  test("the other device's session ends; it signs in with the new password, not the old one", async () => {
    const homeB = tempHome();
    dirs.push(homeB);
    const b = await login({ home: new Home(homeB), server: server.url, user: 'alice', password: fixedPassword(passwordOf('alice')) });
    const rec = await createRecord(b, { name: 'from B', password: 'pw-b' });
    const newPw = 'a brand new master password 42';
    await changePassword(alice.ctx, null, newPw);
    // Device A goes on with its own session.
    assert.equal((await getRecord(alice.ctx, rec.id)).view.name, 'from B');
    zeroSafe(alice.ctx);

    // Device B: its session is gone, and the old auth key no longer signs in.
    b.secrets.authKey = null; // an old CLI run that kept only its token
    await assert.rejects(getRecord(b, rec.id), (e) => e instanceof SafeholdError && e.code === 'unauthorized');
    const withOld = await openSession({ home: new Home(homeB), password: fixedPassword(passwordOf('alice')) });
    await assert.rejects(getRecord(withOld, rec.id), (e) => e instanceof SafeholdError && (e.code === 'bad_credentials' || e.code === 'unauthorized'));
    // ... and the new password works there, once, and from then on locally too.
    const withNew = await openSession({ home: new Home(homeB), password: fixedPassword(newPw) });
    assert.equal((await getRecord(withNew, rec.id)).view.name, 'from B');
    const again = await openSession({ home: new Home(homeB), password: fixedPassword(newPw) });
    assert.equal((await getRecord(again, rec.id)).view.name, 'from B');
    await assert.rejects(openSession({ home: new Home(homeB), password: fixedPassword(passwordOf('alice')) }), (e) => e instanceof SafeholdError && e.code === 'bad_credentials');
  });
});

function zeroSafe(ctx: { api: { close(): void } }): void {
  ctx.api.close();
}
