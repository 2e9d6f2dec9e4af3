/**
 * Property tests of the sync core through the reference model: after any sequence of record, grant,
 * role, seal, delete and prune changes, interleaved with syncs cut at any page (answer applied or
 * lost), and with changes made between the pages of a run, reset + deltas leave the client holding
 * exactly the eligible set at the current revisions; no removed id is one the device was never given;
 * a finished run's counts add up to the change of the file's size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Right } from '@safehold/protocol/api';
import { ModelClient, ProtocolModel, type Cut, type Holder } from '@safehold/testkit/model';

const ID_COUNT = 8;
// Ids take the protocol's 22-character form (cursors carry them).
const ids = Array.from({ length: ID_COUNT }, (_, i) => `rec${i}`.padEnd(22, 'x'));
const ME = 'alice';
const DEVICE = 'device-1';
const ROLES = ['ops', 'dev'];

type Op =
  | { op: 'put'; i: number; creator: string }
  | { op: 'update'; i: number }
  | { op: 'delete'; i: number }
  | { op: 'grant'; i: number; holder: Holder; rights: Right[] }
  | { op: 'seal'; i: number; sealed: boolean }
  | { op: 'member'; role: string; user: string; add: boolean }
  | { op: 'prune' };

type Step = Op | { op: 'sync'; limit: number; cut: Cut; during: Op[] };

const idx = fc.integer({ min: 0, max: ID_COUNT - 1 });
const rights = fc.constantFrom<Right[]>([], ['read'], ['read', 'export'], ['export'], ['read', 'write', 'export', 'authorize']);
const holder = fc.oneof(
  fc.constantFrom<Holder>({ user: ME }, { user: 'bob' }),
  fc.constantFrom(...ROLES).map((role): Holder => ({ role })),
);
const change: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('put' as const), i: idx, creator: fc.constantFrom(ME, 'bob') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('update' as const), i: idx }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), i: idx }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('grant' as const), i: idx, holder, rights }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('seal' as const), i: idx, sealed: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('member' as const), role: fc.constantFrom(...ROLES), user: fc.constantFrom(ME, 'bob'), add: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'prune' as const }) },
);
const cut: fc.Arbitrary<Cut> = fc.option(fc.record({ afterPages: fc.integer({ min: 1, max: 4 }), applyLast: fc.boolean() }), { nil: null });
const sync = fc.record({
  op: fc.constant('sync' as const),
  limit: fc.integer({ min: 1, max: 4 }),
  cut,
  during: fc.array(change, { maxLength: 3 }),
});
const steps = fc.array(fc.oneof({ weight: 3, arbitrary: change }, { weight: 2, arbitrary: sync }), { maxLength: 40 });

/** Applies a change where it makes sense (a change to a missing record is skipped, as the server would refuse it). */
function applyOp(m: ProtocolModel, o: Op): void {
  const id = 'i' in o ? (ids[o.i] as string) : '';
  const live = m.records.get(id)?.deleted === false;
  switch (o.op) {
    case 'put':
      if (!live) m.put(id, o.creator, null);
      return;
    case 'update':
      if (live) m.update(id);
      return;
    case 'delete':
      if (live) m.delete(id);
      return;
    case 'grant':
      if (live) m.grant(id, o.holder, o.rights);
      return;
    case 'seal':
      if (live) m.seal(id, o.sealed);
      return;
    case 'member':
      if (o.add) m.addMember(o.role, o.user);
      else m.removeMember(o.role, o.user);
      return;
    case 'prune':
      m.pruneAll();
  }
}

function assertHoldsEligible(m: ProtocolModel, c: ModelClient<null>): void {
  assert.deepEqual(c.ids(), m.eligibleIds(ME), 'the client holds exactly the eligible set');
  for (const [id, r] of c.main?.records ?? []) assert.equal(r.revision, m.records.get(id)?.revision, `current revision of ${id}`);
}

async function runScenario(plan: Step[]): Promise<void> {
  const m = new ProtocolModel();
  let limit = 3;
  let during: Op[] = [];
  const client = new ModelClient<null>(async (cursor) => {
    // Changes made by others between the pages of a run (never before its first page).
    const o = cursor === '0' ? undefined : during.shift();
    if (o) applyOp(m, o);
    return m.page(ME, DEVICE, cursor, limit);
  });
  const check = (r: { removed: string[] }) => {
    const given = m.givenTo(DEVICE);
    for (const id of r.removed) assert.ok(given.has(id), `removed names ${id}, which the device was never given`);
  };
  const run = async (c: Cut) => {
    const before = client.main?.records.size ?? 0;
    const r = await client.run(c);
    check(r);
    if (r.finished) {
      assert.equal(before + r.counts.added - r.counts.removed, client.main?.records.size, 'counts add up');
      assert.ok(r.counts.updated >= 0);
    }
    return r;
  };
  for (const s of plan) {
    if (s.op !== 'sync') {
      applyOp(m, s);
      continue;
    }
    limit = s.limit;
    during = [...s.during];
    const concurrent = during.length > 0;
    const r = await run(s.cut);
    for (const o of during.splice(0)) applyOp(m, o);
    if (r.finished && !concurrent && client.main?.cursor === `d.${m.seq}`) assertHoldsEligible(m, client);
  }
  // Reset + deltas: a resumed reset ends at its snapshot; the delta after it brings the client up to date.
  limit = 3;
  for (let i = 0; i < 2 && client.main?.cursor !== `d.${m.seq}`; i++) assert.equal((await run(null)).finished, true);
  assert.equal(client.main?.cursor, `d.${m.seq}`, 'at most two clean runs reach the counter');
  assertHoldsEligible(m, client);
}

test('reset + deltas leave exactly the eligible set, whatever the changes and the interrupted syncs', async () => {
  await fc.assert(fc.asyncProperty(steps, runScenario), { numRuns: Number(process.env.SYNC_PROPERTY_RUNS ?? 2000) });
});

test('a role joined and left while its records are paged: partial cursors never lose or leak a record', async () => {
  const grantToRole = fc.array(fc.boolean(), { minLength: ID_COUNT, maxLength: ID_COUNT });
  await fc.assert(
    fc.asyncProperty(grantToRole, fc.integer({ min: 1, max: 3 }), cut, async (granted, limit, c) => {
      const plan: Step[] = [];
      ids.forEach((_, i) => plan.push({ op: 'put', i, creator: 'bob' }));
      plan.push({ op: 'sync', limit, cut: null, during: [] });
      granted.forEach((g, i) => g && plan.push({ op: 'grant', i, holder: { role: 'ops' }, rights: ['read', 'export'] }));
      plan.push({ op: 'sync', limit, cut: null, during: [] });
      plan.push({ op: 'member', role: 'ops', user: ME, add: true });
      plan.push({ op: 'sync', limit, cut: c, during: [] });
      plan.push({ op: 'member', role: 'ops', user: ME, add: false });
      plan.push({ op: 'sync', limit, cut: c, during: [] });
      await runScenario(plan);
    }),
    { numRuns: 200 },
  );
});

test('the model itself: a record of another user is eligible only through an export grant, and never sealed', () => {
  const m = new ProtocolModel();
  const [a, b] = ids as [string, string];
  m.put(a, 'bob', null);
  m.put(b, ME, null);
  assert.deepEqual(m.eligibleIds(ME), [b]);
  m.grant(a, { user: ME }, ['read']);
  assert.deepEqual(m.eligibleIds(ME), [b], 'read is not export');
  m.grant(a, { role: 'ops' }, ['export']);
  m.addMember('ops', ME);
  assert.deepEqual(m.eligibleIds(ME), [a, b]);
  m.seal(a, true);
  m.delete(b);
  assert.deepEqual(m.eligibleIds(ME), []);
});
