/**
 * Issue 12.2 against the real server: role public keys are signed by their creator, pinned on first use, and a
 * swapped or unsigned role key is refused (exit 5) until `trust --role`; roles made before signatures are
 * signed by their creator's client at its next contact.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKeyPair, generateX25519KeyPair, sign, toB64, utf8, wrapForRecipient } from '@safehold/crypto';
import { SafeholdError, roleKeyAad } from '@safehold/protocol';
import { createRecord } from './vault.js';
import { requireDb } from './context.js';
import { recordRights, shareRecord } from './sharing.js';
import { createRole, listRoles, trustRole } from './roles.js';
import { roleKeyPayload } from './rolekeys.js';
import { fingerprint } from './pinning.js';
import { cleanup, newUser, startServer, type TestServerLike, type TestUserCtx } from '@safehold/testkit/sdk';

const refused = (reason: string) => (e: unknown) =>
  e instanceof SafeholdError && e.code === 'forbidden' && e.exitCode === 5 && (e.details as { reason?: string } | undefined)?.reason === reason;

describe('12.2: role keys are signed, pinned and verified', () => {
  let server: TestServerLike;
  let alice: TestUserCtx, bob: TestUserCtx, carol: TestUserCtx, dave: TestUserCtx;
  const dirs: string[] = [];
  before(async () => {
    server = await startServer();
    await server.admin.createDb('main');
    alice = await newUser(server, 'alice', 'main', dirs);
    bob = await newUser(server, 'bob', 'main', dirs);
    carol = await newUser(server, 'carol', 'main', dirs);
    dave = await newUser(server, 'dave', 'main', dirs);
  });
  after(async () => {
    await server.close();
    cleanup(dirs);
  });

  test('a server that swaps a role key is refused by a sharer who pinned it, and by one who never saw it', async () => {
    await createRole(alice.ctx, 'ops');
    const r1 = await createRecord(bob.ctx, { name: 'first', password: 'pw-1' });
    await shareRecord(bob.ctx, r1.id, { role: 'ops' }, ['read']); // verified (alice's signature) and pinned
    assert.ok(bob.ctx.accountFile.pinnedRoleKeys?.['main/ops']);

    // The server swaps in a key pair of its own (it would then read whatever is shared to the role).
    const evil = generateX25519KeyPair();
    await server.storage.db.updateTable('roles').set({ public_key: toB64(evil.publicKey) }).where('name', '=', 'ops').execute();
    const r2 = await createRecord(bob.ctx, { name: 'second', password: 'pw-2' });
    await assert.rejects(shareRecord(bob.ctx, r2.id, { role: 'ops' }, ['read']), refused('role_key_changed'));
    assert.equal((await recordRights(bob.ctx, r2.id)).grants.some((g) => 'role' in g), false, 'nothing was shared');
    // dave never pinned it: alice's signature is for the old key, so the new one is refused too.
    const r3 = await createRecord(dave.ctx, { name: 'third', password: 'pw-3' });
    await assert.rejects(shareRecord(dave.ctx, r3.id, { role: 'ops' }, ['read']), refused('role_key_unverified'));
    // A signature forged by the server (with a key that is not alice's) does not help.
    const forger = generateSigningKeyPair();
    const payload = roleKeyPayload('main', 'ops', toB64(evil.publicKey), 'alice');
    await server.storage.db
      .updateTable('roles')
      .set({ key_signature: JSON.stringify({ payload, signature: toB64(sign(forger.privateKey, utf8(payload))) }) })
      .where('name', '=', 'ops')
      .execute();
    await assert.rejects(shareRecord(dave.ctx, r3.id, { role: 'ops' }, ['read']), refused('role_key_unverified'));
    await assert.rejects(shareRecord(bob.ctx, r2.id, { role: 'ops' }, ['read']), refused('role_key_changed'));
    // trust --role with a fingerprint that is not the key's is refused; with the right one the user decides.
    await assert.rejects(trustRole(dave.ctx, 'ops', '0000:0000'), refused('fingerprint_mismatch'));
    const t = await trustRole(dave.ctx, 'ops', fingerprint(evil.publicKey));
    assert.equal(t.fingerprint, fingerprint(evil.publicKey));
    await shareRecord(dave.ctx, r3.id, { role: 'ops' }, ['read']);
  });

  test('an unsigned role (made before signatures) is refused, until its creator’s client signs it at its next contact', async () => {
    // What an older client did: the role key pair, the creator's wrap, no signature, no published signing key.
    const pair = generateX25519KeyPair();
    await carol.ctx.api.request('POST', `/db/${requireDb(carol.ctx)}/roles`, {
      body: { name: 'legacy', publicKey: toB64(pair.publicKey), memberKey: toB64(wrapForRecipient(carol.ctx.keyring.publicKey, pair.privateKey, roleKeyAad('main', 'legacy', 'carol'))) },
    });
    const rows = await server.storage.db.selectFrom('roles').selectAll().where('name', '=', 'legacy').execute();
    assert.equal(rows[0]?.key_signature, null);
    const rec = await createRecord(bob.ctx, { name: 'for legacy', password: 'pw-l' });
    await assert.rejects(shareRecord(bob.ctx, rec.id, { role: 'legacy' }, ['read']), refused('role_key_unverified'));

    // carol's next contact that loads the roles (here: a fresh CLI run listing them) signs it.
    const carolAgain = await carol.reopen();
    await listRoles(carolAgain);
    const signed = await server.storage.db.selectFrom('roles').selectAll().where('name', '=', 'legacy').execute();
    assert.ok(signed[0]?.key_signature, 'the creator signed the role key');
    await shareRecord(bob.ctx, rec.id, { role: 'legacy' }, ['read']);
    assert.equal(bob.ctx.accountFile.pinnedRoleKeys?.['main/legacy'], toB64(pair.publicKey));
  });
});
