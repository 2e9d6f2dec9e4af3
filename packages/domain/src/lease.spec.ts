import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeasePayload, WipePayload } from '@safehold/protocol/api';
import { DAY_MS, leasePayload, leaseState, wipePayload, wipeReason } from './lease.js';

const DEVICE = 'AAAAAAAAAAAAAAAAAAAAAA';
const NOW = Date.UTC(2026, 10, 23, 16, 0, 0);

describe('leasePayload', () => {
  test('expiresAt = issuedAt + offlineDays days, and the payload matches the wire schema', () => {
    const p = leasePayload({ server: 'https://s', user: 'alice', device: DEVICE, db: 'main', offlineDays: 7, now: NOW });
    assert.equal(p.type, 'lease');
    assert.equal(p.issuedAt, new Date(NOW).toISOString());
    assert.equal(Date.parse(p.expiresAt) - Date.parse(p.issuedAt), 7 * DAY_MS);
    assert.deepEqual(LeasePayload.parse(JSON.parse(JSON.stringify(p))), p);
  });
  test('zero days expires at once', () => {
    const p = leasePayload({ server: 's', user: 'alice', device: DEVICE, db: 'main', offlineDays: 0, now: NOW });
    assert.equal(p.expiresAt, p.issuedAt);
    assert.equal(leaseState(p, NOW, NOW), 'expired');
  });
  test('a negative or fractional number of days is refused', () => {
    assert.throws(() => leasePayload({ server: 's', user: 'a', device: DEVICE, db: 'm', offlineDays: -1, now: NOW }), RangeError);
    assert.throws(() => leasePayload({ server: 's', user: 'a', device: DEVICE, db: 'm', offlineDays: 1.5, now: NOW }), RangeError);
  });
});

describe('leaseState (E1)', () => {
  const lease = leasePayload({ server: 's', user: 'alice', device: DEVICE, db: 'main', offlineDays: 2, now: NOW });
  test('valid until expiresAt, expired from then on', () => {
    assert.equal(leaseState(lease, NOW + 2 * DAY_MS - 1, NOW), 'valid');
    assert.equal(leaseState(lease, NOW + 2 * DAY_MS, NOW), 'expired');
  });
  test('a clock moved back before the latest recorded time is refused', () => {
    assert.equal(leaseState(lease, NOW + 1000, NOW + 2000), 'clock_moved_back');
  });
  test('a garbled expiresAt is expired', () => {
    assert.equal(leaseState({ expiresAt: 'garbage' }, NOW, NOW), 'expired');
  });
});

describe('wipeReason (E2)', () => {
  const ok = { deviceRevoked: false, userRemoved: false, offlineEnabled: true, offlineRight: true };
  test('nothing to wipe while everything holds', () => {
    assert.equal(wipeReason(ok), null);
  });
  test('each cause alone', () => {
    assert.equal(wipeReason({ ...ok, deviceRevoked: true }), 'device_revoked');
    assert.equal(wipeReason({ ...ok, userRemoved: true }), 'user_removed');
    assert.equal(wipeReason({ ...ok, offlineEnabled: false }), 'offline_disabled');
    assert.equal(wipeReason({ ...ok, offlineRight: false }), 'right_withdrawn');
  });
  test('the widest cause wins when several hold', () => {
    assert.equal(wipeReason({ deviceRevoked: true, userRemoved: true, offlineEnabled: false, offlineRight: false }), 'device_revoked');
    assert.equal(wipeReason({ ...ok, userRemoved: true, offlineEnabled: false }), 'user_removed');
    assert.equal(wipeReason({ ...ok, offlineEnabled: false, offlineRight: false }), 'offline_disabled');
  });
});

describe('wipePayload', () => {
  test('matches the wire schema', () => {
    const p = wipePayload({ server: 's', user: 'alice', device: DEVICE, db: 'main', reason: 'right_withdrawn', now: NOW });
    assert.deepEqual(WipePayload.parse(JSON.parse(JSON.stringify(p))), p);
    assert.equal(p.issuedAt, new Date(NOW).toISOString());
  });
});
