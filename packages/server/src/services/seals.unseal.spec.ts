/**
 * Issue 12.1: lifting a seal needs the seal's quorum, an approved release of kind "unseal" asked by
 * the one who lifts it; a lone `authorize` holder is refused (403 forbidden) and the attempt audited.
 * Over real HTTP on both backends, with a manual clock for the release window.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordWire, Release } from '@safehold/protocol/api';
import { b64, forEachBackend, manualClock } from '@safehold/testkit';
import { listAudit } from './audit.js';
import { assertError, newRecord, rid, share, startHarness, user, type Harness } from '@safehold/testkit/records';

const MINUTE = 60_000;

forEachBackend('lifting a seal needs its quorum (12.1)', (backend) => {
  let h: Harness;
  const clock = manualClock(Date.UTC(2026, 5, 1));
  before(async () => {
    h = await startHarness(backend, ['alice', 'bob', 'carol', 'dave'], { clock });
  });
  after(() => h?.close());

  /** alice (authorize) seals a record; carol and dave approve, 2 required; bob holds authorize too. */
  async function sealed() {
    const alice = user(h, 'alice');
    const r = await newRecord(alice);
    await share(alice, r.id, { user: 'bob' }, ['read', 'authorize']);
    const res = await alice.req<RecordWire>('PUT', `/records/${r.id}/seal`, {
      approvers: ['carol', 'dave'],
      required: 2,
      windowMinutes: 15,
      baseRevision: r.revision,
      revision: rid(),
      header: b64(40),
      secret: b64(40),
      secretKeys: [{ holder: { kind: 'user', user: 'alice' }, secret: b64(60) }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return r;
  }

  const isSealed = async (id: string) => (await user(h, 'alice').req<RecordWire>('GET', `/records/${id}`)).body.sealed;

  test('a lone authorize holder is refused and the attempt is audited; the seal stays', async () => {
    const r = await sealed();
    for (const who of ['alice', 'bob']) {
      assertError(await user(h, who).req('DELETE', `/records/${r.id}/seal`), 403, 'forbidden');
    }
    assert.equal(await isSealed(r.id), true);
    const refused = (await listAudit(h.server.storage.db, { db: 'main' })).filter((e) => e.target === r.id && e.action === 'unseal_refused');
    assert.deepEqual(refused.map((e) => e.actor).sort(), ['alice', 'bob']);
  });

  test('a read release, or an unseal release short of the quorum, does not lift the seal', async () => {
    const r = await sealed();
    const bob = user(h, 'bob');
    const read = (await bob.req<Release>('POST', `/records/${r.id}/releases`, { reason: 'read' })).body;
    assert.equal(read.kind, 'read');
    await user(h, 'carol').req('POST', `/releases/${read.id}/approve`);
    await user(h, 'dave').req('POST', `/releases/${read.id}/approve`);
    assertError(await bob.req('DELETE', `/records/${r.id}/seal`), 403, 'forbidden');
    const un = (await bob.req<Release>('POST', `/records/${r.id}/releases`, { reason: 'lift', kind: 'unseal' })).body;
    assert.equal(un.kind, 'unseal');
    assert.equal((await user(h, 'carol').req<Release>('POST', `/releases/${un.id}/approve`)).body.status, 'pending');
    assertError(await bob.req('DELETE', `/records/${r.id}/seal`), 403, 'forbidden');
    assert.equal(await isSealed(r.id), true);
  });

  test("an approved unseal release lifts the seal for its requester only, within the seal's window", async () => {
    const r = await sealed();
    const bob = user(h, 'bob');
    const un = (await bob.req<Release>('POST', `/records/${r.id}/releases`, { reason: 'lift', kind: 'unseal' })).body;
    await user(h, 'carol').req('POST', `/releases/${un.id}/approve`);
    assert.equal((await user(h, 'dave').req<Release>('POST', `/releases/${un.id}/approve`)).body.status, 'approved');
    // The approved unseal release reads nothing: it is for lifting only.
    assert.equal((await bob.req<RecordWire>('GET', `/records/${r.id}`)).body.secret, null);
    assertError(await user(h, 'alice').req('DELETE', `/records/${r.id}/seal`), 403, 'forbidden');
    const lifted = await bob.req<RecordWire>('DELETE', `/records/${r.id}/seal`);
    assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
    assert.equal(lifted.body.sealed, false);

    // An expired unseal release lifts nothing.
    const r2 = await sealed();
    const un2 = (await bob.req<Release>('POST', `/records/${r2.id}/releases`, { kind: 'unseal' })).body;
    await user(h, 'carol').req('POST', `/releases/${un2.id}/approve`);
    await user(h, 'dave').req('POST', `/releases/${un2.id}/approve`);
    clock.advance(16 * MINUTE);
    assertError(await bob.req('DELETE', `/records/${r2.id}/seal`), 403, 'forbidden');
    assert.equal(await isSealed(r2.id), true);
  });

  test('an unseal release needs authorize to ask for', async () => {
    const r = await sealed();
    await share(user(h, 'alice'), r.id, { user: 'dave' }, ['read']);
    assertError(await user(h, 'dave').req('POST', `/records/${r.id}/releases`, { kind: 'unseal' }), 403, 'forbidden');
  });
});
