import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVELOPE_AEAD_V1, ENVELOPE_HPKE_V1, fromB64, generateX25519KeyPair, toB64 } from '@safehold/crypto';
import { SafeholdError, asRecordId } from '@safehold/protocol';
import { createRecord, editRecord, getRecord, listRecords, revealRecord, secretForUse, ofRecord, setMasked } from './vault.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { recordHistory } from './history.js';
import { recordRights, shareRecord, unshareRecord, parseRights } from './sharing.js';
import { addRoleMember, createRole, listRoles, removeRoleMember } from './roles.js';
import { pinnedPublicKey, trustUser } from './pinning.js';
import { serverSource } from './source.js';
import { cleanup, newUser, startServer, type TestServerLike, type TestUserCtx } from '@safehold/testkit/sdk';

const code = (c: string) => (e: unknown) => e instanceof SafeholdError && e.code === c;

describe('sharing, roles, masking and key pinning', () => {
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

  test('parseRights refuses unknown rights (usage)', () => {
    assert.deepEqual(parseRights('read, export,read'), ['read', 'export']);
    assert.throws(() => parseRights('read,own'), (e) => code('bad_request')(e) && (e as SafeholdError).exitCode === 2);
    assert.throws(() => parseRights(''), code('bad_request'));
  });

  test('a user share wraps the keys for the grantee, who adopts them at first use', async () => {
    const v = await createRecord(alice.ctx, { name: 'Billing', password: 'pw-bill' });
    const rights = await shareRecord(alice.ctx, v.id, { user: 'bob' }, ['read', 'export']);
    assert.deepEqual(rights.grants.find((g) => 'user' in g && g.user === 'alice')?.rights.sort(), ['authorize', 'delete', 'export', 'read', 'write']);
    assert.deepEqual(rights.grants.find((g) => 'user' in g && g.user === 'bob')?.rights, ['read', 'export']);
    // bob's copy arrives as an HPKE wrap
    const raw1 = await bob.ctx.api.call(E.getRecord, ofRecord(bob.ctx, asRecordId(v.id)));
    assert.equal(fromB64(raw1.keys?.header ?? '')[0], ENVELOPE_HPKE_V1);
    assert.equal((await revealRecord(bob.ctx, v.id)).password, 'pw-bill');
    // ... and is adopted: re-wrapped under bob's user key
    const raw2 = await bob.ctx.api.call(E.getRecord, ofRecord(bob.ctx, asRecordId(v.id)));
    assert.equal(fromB64(raw2.keys?.header ?? '')[0], ENVELOPE_AEAD_V1);
    assert.equal(fromB64(raw2.keys?.secret ?? '')[0], ENVELOPE_AEAD_V1);
    assert.equal((await revealRecord(bob.ctx, v.id)).password, 'pw-bill');
    // rights are replaced, not added
    await shareRecord(alice.ctx, v.id, { user: 'bob' }, ['read']);
    const r = await recordRights(alice.ctx, v.id);
    assert.deepEqual(r.grants.find((g) => 'user' in g && g.user === 'bob')?.rights, ['read']);
    // bob lacks authorize and write
    await assert.rejects(shareRecord(bob.ctx, v.id, { user: 'dave' }, ['read']), (e) => code('forbidden')(e) && (e as SafeholdError).exitCode === 5);
    await assert.rejects(editRecord(bob.ctx, v.id, { password: 'x' }), code('forbidden'));
    // dave sees nothing: not found (exit 4), not forbidden
    await assert.rejects(getRecord(dave.ctx, v.id), (e) => code('not_found')(e) && (e as SafeholdError).exitCode === 4);
    assert.equal((await listRecords(dave.ctx)).length, 0);
    // unshare removes bob's access
    await unshareRecord(alice.ctx, v.id, { user: 'bob' });
    await assert.rejects(getRecord(bob.ctx, v.id), code('not_found'));
  });

  test('listing adopts every shared key in one batch', async () => {
    const ids: string[] = [];
    for (const n of ['L1', 'L2', 'L3']) {
      const v = await createRecord(alice.ctx, { name: n, password: `pw-${n}` });
      await shareRecord(alice.ctx, v.id, { user: 'bob' }, ['read']);
      ids.push(v.id);
    }
    const before = await bob.ctx.api.call(E.getRecord, ofRecord(bob.ctx, asRecordId(ids[0] as string)));
    assert.equal(fromB64(before.keys?.header ?? '')[0], ENVELOPE_HPKE_V1);
    const listed = await listRecords(bob.ctx);
    for (const id of ids) assert.ok(listed.some((r) => r.id === id));
    for (const id of ids) {
      const raw = await bob.ctx.api.call(E.getRecord, ofRecord(bob.ctx, asRecordId(id)));
      assert.equal(fromB64(raw.keys?.header ?? '')[0], ENVELOPE_AEAD_V1, 'header key adopted');
      assert.equal(fromB64(raw.keys?.secret ?? '')[0], ENVELOPE_AEAD_V1, 'secret key adopted');
    }
    assert.equal((await revealRecord(await bob.reopen(), ids[2] ?? '')).password, 'pw-L3');
  });

  test('roles: a record shared with a role is readable by its members only', async () => {
    const role = await createRole(alice.ctx, 'ops');
    assert.deepEqual(role.members, ['alice']);
    await assert.rejects(createRole(bob.ctx, 'ops'), (e) => code('conflict')(e) && (e as SafeholdError).exitCode === 8);
    await addRoleMember(alice.ctx, 'ops', 'carol');
    await assert.rejects(addRoleMember(bob.ctx, 'ops', 'dave'), code('forbidden'));
    const v = await createRecord(alice.ctx, { name: 'Router', password: 'pw-router' });
    await shareRecord(alice.ctx, v.id, { role: 'ops' }, ['read']);
    const fresh = await carol.reopen();
    assert.deepEqual((await listRecords(fresh)).map((r) => r.id), [v.id]);
    assert.equal((await revealRecord(fresh, v.id)).password, 'pw-router');
    await assert.rejects(getRecord(dave.ctx, v.id), code('not_found'));
    const roles = await listRoles(carol.ctx);
    assert.deepEqual(roles.find((r) => r.name === 'ops')?.members.sort(), ['alice', 'carol']);
    // carol adopted the key: removing her from the role still removes access (the server drops the grant path)
    await removeRoleMember(alice.ctx, 'ops', 'carol');
    await assert.rejects(getRecord(await carol.reopen(), v.id), code('not_found'));
  });

  test('masking: no reveal without authorize on any surface, but copy works', async () => {
    const v = await createRecord(alice.ctx, { name: 'Core router', password: 'pw-mask', secretFields: [{ name: 'enable', value: 'en-1' }], masked: true });
    assert.equal(v.masked, true);
    await shareRecord(alice.ctx, v.id, { user: 'bob' }, ['read', 'write']);
    await assert.rejects(revealRecord(bob.ctx, v.id), (e) => code('masked')(e) && (e as SafeholdError).exitCode === 5);
    await assert.rejects(recordHistory(bob.ctx, v.id, { reveal: true }), code('masked'));
    const plain = await getRecord(bob.ctx, v.id);
    assert.equal(plain.secret, null, 'getRecord hands out a masked secret without `use`');
    assert.equal(plain.canReveal, false);
    assert.equal((await getRecord(bob.ctx, v.id, { use: true })).secret?.password, 'pw-mask');
    const src = await serverSource(bob.ctx).get(v.id);
    assert.equal(src.canReveal, false);
    assert.equal(JSON.stringify(src.view).includes('pw-mask'), false);
    assert.equal(await secretForUse(bob.ctx, v.id), 'pw-mask');
    assert.equal(await secretForUse(bob.ctx, v.id, 'enable'), 'en-1');
    // a writer without authorize may still edit (the secret is used, not shown)
    await editRecord(bob.ctx, v.id, { notes: 'rotated' });
    // the owner (authorize) sees it
    assert.equal((await revealRecord(alice.ctx, v.id)).password, 'pw-mask');
    // bob cannot unmask; with authorize he sees it
    await assert.rejects(setMasked(bob.ctx, v.id, false), code('forbidden'));
    await shareRecord(alice.ctx, v.id, { user: 'bob' }, ['read', 'authorize']);
    assert.equal((await revealRecord(bob.ctx, v.id)).password, 'pw-mask');
    await shareRecord(alice.ctx, v.id, { user: 'bob' }, ['read']);
    await setMasked(alice.ctx, v.id, false);
    assert.equal((await revealRecord(bob.ctx, v.id)).password, 'pw-mask');
  });

  test('public keys are pinned on first use; a changed key is refused until trust', async () => {
    const v = await createRecord(alice.ctx, { name: 'Pinned', password: 'pw-pin' });
    const notices: string[] = [];
    alice.ctx.events.on('notice', (n) => notices.push(n.message));
    const before = await pinnedPublicKey(alice.ctx, 'dave');
    assert.ok(notices.some((m) => /^pinned the public key of dave \(fingerprint [0-9a-f]{4}(:[0-9a-f]{4}){7}\)$/.test(m)), notices.join('|'));
    // the server (or someone on it) swaps dave's public key
    const evil = generateX25519KeyPair();
    const [row] = await server.storage.db.selectFrom('users').selectAll().where('name', '=', 'dave').execute();
    assert.ok(row);
    await server.storage.db.updateTable('users').set({ public_key: toB64(evil.publicKey) }).where('name', '=', 'dave').execute();
    await assert.rejects(shareRecord(alice.ctx, v.id, { user: 'dave' }, ['read']), (e) => code('forbidden')(e) && /safehold trust dave/.test((e as Error).message));
    const rights = await recordRights(alice.ctx, v.id);
    assert.equal(rights.grants.length, 1);
    const t = await trustUser(alice.ctx, 'dave');
    assert.equal(t.changed, true);
    assert.notDeepEqual(await pinnedPublicKey(alice.ctx, 'dave'), before);
    // restore dave's real key: that is a change again
    await server.storage.db.updateTable('users').set({ public_key: row.public_key }).where('name', '=', 'dave').execute();
    await assert.rejects(pinnedPublicKey(alice.ctx, 'dave'), code('forbidden'));
    await trustUser(alice.ctx, 'dave');
    await shareRecord(alice.ctx, v.id, { user: 'dave' }, ['read']);
    assert.equal((await revealRecord(dave.ctx, v.id)).password, 'pw-pin');
  });
});
