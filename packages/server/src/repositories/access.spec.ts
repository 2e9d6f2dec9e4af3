/**
 * The one access resolver on real storage (SQLite file and PostgreSQL): creator, direct and role grants
 * fold into one mask; deleted, foreign and unknown ids are absent; a batch costs a fixed number of
 * statements whatever its size; the id and whole-database modes agree.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RIGHT_BIT, rightsOfMask } from '@safehold/domain';
import { forEachBackend, openTestStorage } from '@safehold/testkit';
import { QuerySpy } from '@safehold/testkit/offline-server';
import type { Storage } from '../storage/open.js';
import { accessOf, rightsFor } from './access.js';

const id = () => randomBytes(16).toString('base64url');
const R = RIGHT_BIT;

forEachBackend('access resolver', (backend) => {
  let st: Awaited<ReturnType<typeof openTestStorage>>;
  let db: Storage['db'];
  const dbId = id();
  const otherDb = id();
  const alice = id();
  const bob = id();
  const ops = id();
  const audit = id();
  const strangers = id();

  const record = async (creator: string, inDb = dbId, deleted = false): Promise<string> => {
    const rid = id();
    await db
      .insertInto('records')
      .values({ id: rid, db_id: inDb, revision: id(), creator_id: creator, created_at: 1, updated_at: 1, updated_by: creator, masked: 0, sealed: 0, header: 'h', secret: 's', deleted_at: deleted ? 2 : null, change_seq: 1 })
      .execute();
    return rid;
  };
  const grant = (recordId: string, kind: 'user' | 'role', holder: string, mask: number) =>
    db.insertInto('grants').values({ record_id: recordId, holder_kind: kind, holder_id: holder, rights_mask: mask }).execute();

  before(async () => {
    st = await openTestStorage(backend);
    db = st.storage.db;
    for (const [rid, name] of [[ops, 'ops'], [audit, 'audit'], [strangers, 'strangers']] as const) {
      await db.insertInto('roles').values({ id: rid, db_id: dbId, name, public_key: 'k', creator_id: alice, created_at: 1, key_signature: null }).execute();
    }
    for (const role of [ops, audit]) await db.insertInto('role_members').values({ role_id: role, user_id: bob, member_key: 'm', created_at: 1 }).execute();
  });
  after(() => st?.close());

  test('creator, direct grant and every role grant fold into one mask; roles are reported with their own mask', async () => {
    const own = await record(bob);
    const shared = await record(alice);
    const viaRoles = await record(alice);
    const none = await record(alice);
    const strangerOnly = await record(alice);
    await grant(shared, 'user', bob, R.read | R.write);
    await grant(shared, 'role', ops, R.read | R.export);
    await grant(viaRoles, 'role', ops, R.read);
    await grant(viaRoles, 'role', audit, R.export);
    await grant(none, 'user', alice, R.read);
    await grant(strangerOnly, 'role', strangers, R.read | R.export);

    const got = await rightsFor(db, { userId: bob, dbId }, [own, shared, viaRoles, none, strangerOnly]);
    assert.deepEqual(rightsOfMask(got.get(own)?.mask ?? 0), ['read', 'write', 'delete', 'authorize', 'export']);
    assert.equal(got.get(own)?.creator, true);
    assert.deepEqual(rightsOfMask(got.get(shared)?.mask ?? 0), ['read', 'write', 'export']);
    assert.deepEqual([...(got.get(shared)?.viaRoles ?? [])], [[ops, R.read | R.export]]);
    assert.deepEqual(rightsOfMask(got.get(viaRoles)?.mask ?? 0), ['read', 'export']);
    assert.deepEqual(new Map(got.get(viaRoles)?.viaRoles), new Map([[ops, R.read], [audit, R.export]]));
    assert.equal(got.has(none), false, "alice's grant gives bob nothing");
    assert.equal(got.has(strangerOnly), false, 'a role bob is not a member of gives him nothing');

    // The same answer when the caller's roles are passed in (the sync page knows them) ...
    const withRoles = await rightsFor(db, { userId: bob, dbId, roles: [ops, audit] }, [own, shared, viaRoles, none, strangerOnly]);
    assert.deepEqual(withRoles, got);
    // ... and in whole-database mode (restricted to these records).
    const whole = await rightsFor(db, { userId: bob, dbId }, 'database');
    for (const rid of [own, shared, viaRoles]) assert.deepEqual(whole.get(rid), got.get(rid));
    assert.equal(whole.has(none) || whole.has(strangerOnly), false);
  });

  test('deleted, foreign-database, unknown and empty id lists: absent; accessOf still answers for a deleted record it is given', async () => {
    const deleted = await record(alice, dbId, true);
    const foreign = await record(alice, otherDb);
    await grant(deleted, 'user', bob, R.read | R.delete);
    await grant(foreign, 'user', bob, R.read);
    const got = await rightsFor(db, { userId: bob, dbId }, [deleted, foreign, id()]);
    assert.equal(got.size, 0);
    assert.equal((await rightsFor(db, { userId: bob, dbId }, [])).size, 0);
    assert.equal((await rightsFor(db, { userId: bob, dbId }, 'database')).has(deleted), false);
    // An offline push may restore a deleted record: the rule on rows the caller read itself.
    const onDeleted = await accessOf(db, { userId: bob, dbId }, [{ id: deleted, creator_id: alice }]);
    assert.deepEqual(rightsOfMask(onDeleted.get(deleted)?.mask ?? 0), ['read', 'delete']);
  });

  test('bits outside the known rights never widen anything', async () => {
    const r = await record(alice);
    await grant(r, 'user', bob, R.read | (1 << 12));
    const got = await rightsFor(db, { userId: bob, dbId }, [r]);
    assert.deepEqual(rightsOfMask(got.get(r)?.mask ?? 0), ['read']);
    assert.equal(got.get(r)?.mask, R.read);
  });

  test('a batch is a fixed number of statements: 2 per chunk of ids, whatever the number of records', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await record(alice);
      await grant(r, i % 2 === 0 ? 'user' : 'role', i % 2 === 0 ? bob : ops, R.read | R.export);
      ids.push(r);
    }
    const count = async (n: number) => {
      const spy = new QuerySpy();
      const got = await rightsFor(db.withPlugin(spy), { userId: bob, dbId }, ids.slice(0, n));
      assert.equal(got.size, n);
      for (const rid of ids.slice(0, n)) assert.deepEqual(rightsOfMask(got.get(rid)?.mask ?? 0), ['read', 'export']);
      return spy.seen.length;
    };
    assert.equal(await count(3), 2);
    assert.equal(await count(300), 2);
  });
});
