import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { toB64 } from '@safehold/crypto';
import { SafeholdError } from '@safehold/protocol';
import { Home } from './home.js';
import { requireDb } from './context.js';
import { login, openSession, resolveAccount } from './session.js';
import { changePassword, lock, logout, unlock, useDatabase } from './sessionops.js';
import { createRecord, listRecords, revealRecord } from './vault.js';
import { cleanup, fixedPassword, newUser, passwordOf, startServer, tempHome, type TestServerLike } from '@safehold/testkit/sdk';

const code = (c: string) => (e: unknown) => e instanceof SafeholdError && e.code === c;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('sessions', () => {
  let server: TestServerLike;
  const dirs: string[] = [];
  before(async () => {
    server = await startServer();
    await server.admin.createDb('main');
  });
  after(async () => {
    await server.close();
    cleanup(dirs);
  });

  test('register stores only wrapped keys, an encrypted token and pins the server key', async () => {
    const alice = await newUser(server, 'alice', 'main', dirs);
    assert.equal(alice.ctx.account.db, 'main');
    const rec = await createRecord(alice.ctx, { name: 'Mail', password: 'pw-1' });
    const token = alice.ctx.api.getToken();
    assert.ok(token);
    const all = filesUnder(alice.homeDir).map((f) => readFileSync(f, 'utf8')).join('\n');
    assert.equal(all.includes(token), false, 'token stored in plain');
    assert.equal(all.includes(toB64(alice.ctx.keyring.userKey)), false, 'user key stored in plain');
    assert.equal(all.includes(toB64(alice.ctx.keyring.privateKey)), false, 'private key stored in plain');
    assert.equal(all.includes(passwordOf('alice')), false);
    const account = resolveAccount(alice.home);
    assert.ok(account.signingPublicKey.length > 0);
    // a fresh invocation opens from the master password without the network
    const again = await alice.reopen();
    assert.equal((await revealRecord(again, rec.id)).password, 'pw-1');
  });

  test('a wrong master password is bad_credentials (exit 3), locally and at login', async () => {
    const bob = await newUser(server, 'bob', 'main', dirs);
    await assert.rejects(bob.reopen('wrong'), (e) => code('bad_credentials')(e) && (e as SafeholdError).exitCode === 3);
    const fresh = new Home(tempHome());
    dirs.push(fresh.dir);
    await assert.rejects(login({ home: fresh, server: server.url, user: 'bob', password: fixedPassword('wrong') }), code('bad_credentials'));
    await assert.rejects(login({ home: fresh, server: server.url, user: 'nobody', password: fixedPassword('x') }), code('bad_credentials'));
  });

  test('repeated wrong master passwords slow local unlocks down (exit 6 with the wait), a right one resets', async () => {
    const tess = await newUser(server, 'tess', 'main', dirs);
    let now = Date.parse('2030-01-01T00:00:00Z');
    const open = (pw: string) => openSession({ home: tess.home, password: fixedPassword(pw), clock: () => now });
    for (let i = 0; i < 5; i++) await assert.rejects(open('wrong'), code('bad_credentials'));
    // The sixth attempt waits, even with the right password: the delay is checked before any derivation.
    await assert.rejects(open(passwordOf('tess')), (e) => code('offline_locked')(e) && (e as SafeholdError).exitCode === 6 && /wait|try again/i.test((e as Error).message));
    now += 31_000;
    const ctx = await open(passwordOf('tess'));
    assert.equal(ctx.account.user, 'tess');
    // Success cleared the counter: one new failure is exit 3 again, not a wait.
    await assert.rejects(open('wrong'), code('bad_credentials'));
  });

  test('login on a second device reads the same records; one stable device id per home', async () => {
    const carol = await newUser(server, 'carol', 'main', dirs);
    const rec = await createRecord(carol.ctx, { name: 'VPN', password: 'pw-vpn' });
    const other = new Home(tempHome());
    dirs.push(other.dir);
    const ctx2 = await login({ home: other, server: server.url, user: 'carol', password: fixedPassword(passwordOf('carol')) });
    assert.notEqual(ctx2.device.id, carol.ctx.device.id);
    assert.equal(other.device().id, ctx2.device.id);
    assert.equal((await revealRecord(ctx2, rec.id)).password, 'pw-vpn');
  });

  test('an expired or missing token is replaced by a transparent re-login', async () => {
    const dave = await newUser(server, 'dave', 'main', dirs);
    await createRecord(dave.ctx, { name: 'A' });
    const a = resolveAccount(dave.home);
    dave.home.writeToken(a.server, a.user, { tokenEnc: 'AAAA', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    const ctx = await dave.reopen();
    assert.equal((await listRecords(ctx)).length, 1);
    // the server ended the session: logout, then a new invocation logs in again
    await logout(ctx);
    const ctx3 = await dave.reopen();
    assert.equal((await listRecords(ctx3)).length, 1);
  });

  test('unlock gives a session key that opens the account without the password; lock forgets it', async () => {
    const erin = await newUser(server, 'erin', 'main', dirs);
    const rec = await createRecord(erin.ctx, { name: 'S', password: 'pw-s' });
    const key = unlock(erin.ctx);
    const never = fixedPassword('not used');
    const ctx = await openSession({ home: erin.home, password: async (p) => { throw new Error(`asked for ${p} password`); }, sessionKey: key });
    assert.equal((await revealRecord(ctx, rec.id)).password, 'pw-s');
    await assert.rejects(openSession({ home: erin.home, password: never, sessionKey: toB64(new Uint8Array(32)) }), code('unauthorized'));
    lock(erin.home, erin.ctx.account);
    // with the stored copy gone, the master password is needed again
    const ctx2 = await openSession({ home: erin.home, password: fixedPassword(passwordOf('erin')), sessionKey: key });
    assert.equal((await revealRecord(ctx2, rec.id)).password, 'pw-s');
  });

  test('passwd re-wraps the user key: the old password stops working, records stay readable', async () => {
    const frank = await newUser(server, 'frank', 'main', dirs);
    const rec = await createRecord(frank.ctx, { name: 'F', password: 'pw-f' });
    const before = resolveAccount(frank.home);
    await changePassword(frank.ctx, passwordOf('frank'), 'new frank password');
    const after = resolveAccount(frank.home);
    assert.notEqual(after.kdf.salt, before.kdf.salt);
    assert.equal(after.publicKey, before.publicKey);
    assert.equal(after.privateKeyEnc, before.privateKeyEnc);
    await assert.rejects(frank.reopen(), code('bad_credentials'));
    const ctx = await frank.reopen('new frank password');
    assert.equal((await revealRecord(ctx, rec.id)).password, 'pw-f');
    const other = new Home(tempHome());
    dirs.push(other.dir);
    await assert.rejects(login({ home: other, server: server.url, user: 'frank', password: fixedPassword(passwordOf('frank')) }), code('bad_credentials'));
    const ctx2 = await login({ home: other, server: server.url, user: 'frank', password: fixedPassword('new frank password') });
    assert.equal((await revealRecord(ctx2, rec.id)).password, 'pw-f');
    await assert.rejects(changePassword(ctx2, 'wrong', 'x'), code('bad_credentials'));
  });

  test('one home holds several accounts; --user and `use DB` pick them', async () => {
    await server.admin.createDb('ops');
    const gina = await newUser(server, 'gina', 'main', dirs);
    await server.admin.addUser('gina', 'ops');
    const invite = await server.admin.addUser('hank', 'main');
    assert.ok(invite);
    const { register } = await import('./session.js');
    await register({ home: gina.home, server: server.url, user: 'hank', invite, password: fixedPassword(passwordOf('hank')) });
    assert.equal(resolveAccount(gina.home).user, 'hank');
    assert.equal(resolveAccount(gina.home, null, 'gina').user, 'gina');
    // gina is now in two databases: a fresh login sees both, and `use` picks one
    const g = await login({ home: gina.home, server: server.url, user: 'gina', password: fixedPassword(passwordOf('gina')) });
    assert.deepEqual(g.accountFile.databases.map((d) => d.name).sort(), ['main', 'ops']);
    assert.equal(g.account.db, null, 'two databases and no `use`: none picked');
    assert.throws(() => requireDb(g), (e) => code('bad_request')(e) && /safehold use/.test((e as Error).message));
    useDatabase(g.home, g.accountFile, 'ops');
    const again = await openSession({ home: gina.home, user: 'gina', password: fixedPassword(passwordOf('gina')) });
    assert.equal(again.account.db, 'ops');
    assert.throws(() => useDatabase(g.home, g.accountFile, 'nope'), code('not_found'));
  });
});
