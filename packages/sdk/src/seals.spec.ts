import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError, asReleaseId } from '@safehold/protocol';
import { createRecord, editRecord, getRecord, listRecords, revealRecord, secretForUse } from './vault.js';
import { decryptSecret } from './keys/index.js';
import { shareRecord } from './sharing.js';
import { addRoleMember, createRole } from './roles.js';
import { approveRelease, listReleases, requestRelease, sealRecord, unsealRecord } from './seals.js';
import { cleanup, newUser, startServer, type TestServerLike, type TestUserCtx } from '@safehold/testkit/sdk';

const code = (c: string) => (e: unknown) => e instanceof SafeholdError && e.code === c;

describe('seals', () => {
  let server: TestServerLike;
  let alice: TestUserCtx, bob: TestUserCtx, carol: TestUserCtx, dave: TestUserCtx, erin: TestUserCtx;
  const dirs: string[] = [];
  before(async () => {
    server = await startServer();
    await server.admin.createDb('main');
    alice = await newUser(server, 'alice', 'main', dirs);
    bob = await newUser(server, 'bob', 'main', dirs);
    carol = await newUser(server, 'carol', 'main', dirs);
    dave = await newUser(server, 'dave', 'main', dirs);
    erin = await newUser(server, 'erin', 'main', dirs);
  });
  after(async () => {
    await server.close();
    cleanup(dirs);
  });

  test('a sealed secret is withheld until two approvals; the seal rotates the secret key', async () => {
    const v = await createRecord(alice.ctx, { name: 'Root CA key', password: 'pw-seal' });
    await shareRecord(alice.ctx, v.id, { user: 'bob' }, ['read']);
    await createRole(alice.ctx, 'pki');
    await addRoleMember(alice.ctx, 'pki', 'erin');
    await shareRecord(alice.ctx, v.id, { role: 'pki' }, ['read']);
    const before = await getRecord(bob.ctx, v.id);
    const oldKey = before.keys.secretKey;
    assert.ok(oldKey);

    await assert.rejects(sealRecord(bob.ctx, v.id, { approvers: ['carol'] }), code('forbidden'));
    await assert.rejects(sealRecord(alice.ctx, v.id, { approvers: ['carol'], required: 2 }), code('bad_request'));
    const sealed = await sealRecord(alice.ctx, v.id, { approvers: ['carol', 'dave'], required: 2, windowMinutes: 30 });
    assert.equal(sealed.sealed, true);

    // the header stays listable; the secret is withheld from everyone, creator included
    assert.equal((await listRecords(bob.ctx)).find((r) => r.id === v.id)?.sealed, true);
    for (const u of [alice, bob, erin]) {
      await assert.rejects(revealRecord(u.ctx, v.id), (e) => code('sealed')(e) && (e as SafeholdError).exitCode === 5);
      await assert.rejects(secretForUse(u.ctx, v.id), code('sealed'));
    }
    await assert.rejects(editRecord(alice.ctx, v.id, { notes: 'x' }), code('sealed'));

    const rq = await requestRelease(bob.ctx, v.id, 'rotate CA');
    assert.deepEqual(
      { record: rq.record, requester: rq.requester, reason: rq.reason, approvals: rq.approvals, required: rq.required, status: rq.status, expiresAt: rq.expiresAt },
      { record: v.id, requester: 'bob', reason: 'rotate CA', approvals: 0, required: 2, status: 'pending', expiresAt: null },
    );
    await assert.rejects(approveRelease(bob.ctx, rq.id), code('forbidden'));
    await assert.rejects(approveRelease(erin.ctx, rq.id), (e) => code('forbidden')(e) || code('not_found')(e));
    await assert.rejects(approveRelease(carol.ctx, asReleaseId('not-an-id')), code('not_found'));
    const one = await approveRelease(carol.ctx, rq.id);
    assert.equal(one.approvals, 1);
    await assert.rejects(revealRecord(bob.ctx, v.id), code('sealed'));
    const two = await approveRelease(dave.ctx, rq.id);
    assert.equal(two.status, 'approved');
    assert.ok(two.expiresAt);
    assert.ok((await listReleases(carol.ctx)).some((r) => r.id === rq.id));

    // bob, inside the approved window, reads the secret; the others still do not
    const opened = await getRecord(bob.ctx, v.id);
    assert.equal(opened.secret?.password, 'pw-seal');
    assert.equal((await revealRecord(bob.ctx, v.id)).password, 'pw-seal');
    await assert.rejects(revealRecord(alice.ctx, v.id), code('sealed'));
    // the key was rotated: the secret key held before the seal opens nothing new
    assert.ok(opened.wire.secret);
    assert.throws(() => decryptSecret(oldKey, v.id, opened.wire.revision, opened.wire.secret ?? ''), code('integrity'));

    // unseal: back to normal for every holder (role members too)
    await assert.rejects(unsealRecord(bob.ctx, v.id), code('forbidden'));
    // alice holds authorize, yet lifting needs the seal's quorum too (12.1): exit 5 until an unseal release is approved.
    await assert.rejects(unsealRecord(alice.ctx, v.id), (e) => code('forbidden')(e) && (e as SafeholdError).exitCode === 5);
    const lift = await requestRelease(alice.ctx, v.id, 'retire the seal', 'unseal');
    assert.equal(lift.kind, 'unseal');
    await approveRelease(carol.ctx, lift.id);
    await assert.rejects(unsealRecord(alice.ctx, v.id), code('forbidden'));
    assert.equal((await approveRelease(dave.ctx, lift.id)).status, 'approved');
    const lifted = await unsealRecord(alice.ctx, v.id);
    assert.equal(lifted.sealed, false);
    assert.equal((await revealRecord(alice.ctx, v.id)).password, 'pw-seal');
    assert.equal((await revealRecord(erin.ctx, v.id)).password, 'pw-seal');
    assert.equal((await revealRecord(bob.ctx, v.id)).password, 'pw-seal');
  });
});
