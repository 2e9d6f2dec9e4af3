import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as edSign, verify as edVerify, createPublicKey, type KeyObject } from 'node:crypto';
import { checkOfflineUse, isSignedBy, verifyLease, verifyWipeOrder, wipeReasonText, type VerifyFn } from './offlineuse.js';
import { leasePayload, wipePayload, DAY_MS } from './lease.js';

const DEVICE = 'AAAAAAAAAAAAAAAAAAAAAA';
const NOW = Date.UTC(2026, 10, 23, 16, 0, 0);

function keyPair(): { priv: KeyObject; raw: Uint8Array } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { priv: privateKey, raw: new Uint8Array(spki.subarray(spki.length - 32)) };
}
const verify: VerifyFn = (pub, msg, sig) => {
  try {
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pub)]);
    return edVerify(null, msg, createPublicKey({ key: der, format: 'der', type: 'spki' }), sig);
  } catch {
    return false;
  }
};
function signed(priv: KeyObject, payload: unknown): { payload: string; signature: string } {
  const p = JSON.stringify(payload);
  return { payload: p, signature: edSign(null, Buffer.from(p), priv).toString('base64url') };
}

describe('checkOfflineUse (E1)', () => {
  const lease = leasePayload({ server: 's', user: 'alice', device: DEVICE, db: 'main', offlineDays: 3, now: NOW });
  test('usable before expiresAt', () => {
    assert.deepEqual(checkOfflineUse({ lease, now: NOW + 3 * DAY_MS - 1, latestRecordedTime: NOW }), { ok: true });
  });
  test('refused at and after expiresAt, stating the date', () => {
    assert.deepEqual(checkOfflineUse({ lease, now: NOW + 3 * DAY_MS, latestRecordedTime: NOW }), {
      ok: false,
      reason: 'expired',
      expiredAt: lease.expiresAt,
    });
  });
  test('refused when the clock reads earlier than the latest recorded time', () => {
    const d = checkOfflineUse({ lease, now: NOW - 1, latestRecordedTime: NOW });
    assert.equal(d.ok, false);
    assert.equal(!d.ok && d.reason, 'clock_moved_back');
  });
  test('a non-number clock is refused', () => {
    assert.equal(checkOfflineUse({ lease, now: Number.NaN, latestRecordedTime: 0 }).ok, false);
  });
});

describe('verifyLease', () => {
  const server = keyPair();
  const other = keyPair();
  const expected = { user: 'alice', device: DEVICE, db: 'main' };
  const lease = leasePayload({ server: 's', user: 'alice', device: DEVICE, db: 'main', offlineDays: 3, now: NOW });
  test('a lease signed by the pinned key for us is accepted', () => {
    const r = verifyLease(signed(server.priv, lease), server.raw, verify, expected);
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.lease.expiresAt, lease.expiresAt);
  });
  test('signed by another key: refused', () => {
    assert.deepEqual(verifyLease(signed(other.priv, lease), server.raw, verify, expected), { ok: false, why: 'bad_signature' });
  });
  test('an edited lease (longer expiry) keeps the old signature: refused', () => {
    const s = signed(server.priv, lease);
    const edited = { ...s, payload: s.payload.replace(lease.expiresAt, new Date(NOW + 300 * DAY_MS).toISOString()) };
    assert.notEqual(edited.payload, s.payload);
    assert.equal(verifyLease(edited, server.raw, verify, expected).ok, false);
  });
  test('an unsigned or garbled signature: refused', () => {
    assert.equal(verifyLease({ payload: JSON.stringify(lease), signature: '' }, server.raw, verify, expected).ok, false);
    assert.equal(verifyLease({ payload: JSON.stringify(lease), signature: '!!' }, server.raw, verify, expected).ok, false);
  });
  test("12.11: another server's lease (same signing key, other server id) is refused when the server id is known", () => {
    const s2 = signed(server.priv, { ...lease, server: 'another-server' });
    assert.deepEqual(verifyLease(s2, server.raw, verify, { ...expected, server: 's' }), { ok: false, why: 'not_ours' });
    assert.equal(verifyLease(signed(server.priv, lease), server.raw, verify, { ...expected, server: 's' }).ok, true);
  });
  test("another user's, device's or db's lease: refused", () => {
    for (const k of ['user', 'device', 'db'] as const) {
      const l = { ...lease, [k]: k === 'device' ? 'BBBBBBBBBBBBBBBBBBBBBB' : 'bob' };
      assert.deepEqual(verifyLease(signed(server.priv, l), server.raw, verify, expected), { ok: false, why: 'not_ours' });
    }
  });
  test('a signed non-lease is malformed', () => {
    const w = wipePayload({ server: 's', user: 'alice', device: DEVICE, db: 'main', reason: 'device_revoked', now: NOW });
    assert.deepEqual(verifyLease(signed(server.priv, w), server.raw, verify, expected), { ok: false, why: 'malformed' });
  });
});

describe('verifyWipeOrder (E2)', () => {
  const server = keyPair();
  const expected = { user: 'alice', device: DEVICE, db: 'main' };
  const order = wipePayload({ server: 's', user: 'alice', device: DEVICE, db: 'main', reason: 'right_withdrawn', now: NOW });
  test('a signed order for us is accepted; db null means every db', () => {
    assert.equal(verifyWipeOrder(signed(server.priv, order), server.raw, verify, expected).ok, true);
    assert.equal(verifyWipeOrder(signed(server.priv, { ...order, db: null }), server.raw, verify, expected).ok, true);
  });
  test('unsigned, wrongly signed, or for another db/device: ignored', () => {
    assert.equal(verifyWipeOrder({ payload: JSON.stringify(order), signature: 'AAAA' }, server.raw, verify, expected).ok, false);
    assert.equal(verifyWipeOrder(signed(keyPair().priv, order), server.raw, verify, expected).ok, false);
    assert.equal(verifyWipeOrder(signed(server.priv, { ...order, db: 'other' }), server.raw, verify, expected).ok, false);
    assert.equal(verifyWipeOrder(signed(server.priv, { ...order, device: 'BBBBBBBBBBBBBBBBBBBBBB' }), server.raw, verify, expected).ok, false);
  });
  test('isSignedBy rejects a non-object', () => {
    assert.equal(isSignedBy(null as unknown as { payload: string; signature: string }, server.raw, verify), false);
  });
  test('every reason has a sentence', () => {
    for (const r of ['offline_disabled', 'right_withdrawn', 'user_removed', 'device_revoked']) assert.doesNotMatch(wipeReasonText(r), /ordered/);
  });
});

describe('the zod-free payload checks of the offline path agree with the wire schemas', () => {
  const lease = leasePayload({ server: 'https://vault.example', user: 'alice', device: DEVICE, db: 'main', offlineDays: 7, now: NOW });
  const wipe = wipePayload({ server: 'https://vault.example', user: 'alice', device: DEVICE, db: 'main', reason: 'right_withdrawn', now: NOW });
  const times = [
    '2026-11-23T16:00:00.000Z', '2026-11-23T16:00:00Z', '2026-11-23T16:00:00+02:00', '2026-11-23T16:00:00.5-05:30',
    '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z', '2026-11-23T24:00:00Z', '2026-11-23T16:00Z', '2026-11-23T16:00:00', '2026-11-23 16:00:00Z',
    '2026-11-23T16:00:00+0200', '2026-11-23T16:00:60Z', '', 'yesterday', '2026-11-23T16:00:00.Z',
  ];
  const variants = (base: Record<string, unknown>): unknown[] => [
    base,
    null,
    [],
    'lease',
    { ...base, extra: 1 },
    ...Object.keys(base).map((k) => Object.fromEntries(Object.entries(base).filter(([kk]) => kk !== k))),
    ...times.map((t) => ({ ...base, issuedAt: t })),
    ...[null, 0, '', 'x'.repeat(65), '-bad', 'ok.name', DEVICE, `-${DEVICE.slice(1)}`].flatMap((v) => [
      { ...base, user: v },
      { ...base, db: v },
      { ...base, device: v },
      { ...base, server: v },
    ]),
    ...[-1, 0, 1.5, 7, '7', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2].map((d) => ({ ...base, offlineDays: d })),
    ...['offline_disabled', 'device_revoked', 'nope', null].map((r) => ({ ...base, reason: r })),
    { ...base, type: base['type'] === 'lease' ? 'wipe' : 'lease' },
  ];

  test('lease payloads', async () => {
    const { LeasePayload } = await import('@safehold/protocol/api');
    const { asLeasePayload } = await import('@safehold/protocol');
    for (const x of variants(lease)) {
      const z = LeasePayload.safeParse(x);
      assert.equal(asLeasePayload(x) !== null, z.success, JSON.stringify(x));
      if (z.success) assert.deepEqual(asLeasePayload(x), z.data);
    }
  });

  test('wipe payloads', async () => {
    const { WipePayload } = await import('@safehold/protocol/api');
    const { asWipePayload } = await import('@safehold/protocol');
    for (const x of [...variants(wipe), { ...wipe, db: null }]) {
      const z = WipePayload.safeParse(x);
      assert.equal(asWipePayload(x) !== null, z.success, JSON.stringify(x));
      if (z.success) assert.deepEqual(asWipePayload(x), z.data);
    }
  });
});
