/**
 * Issue 17, the clock: properties of the lease rules (E1) over arbitrary issue times, lengths and
 * clock readings, in several time zones (process.env.TZ, which Node applies at once) and at the DST
 * changes of 2026: a lease lasts exactly offlineDays x 24 h whatever the zone, is usable up to the
 * millisecond before expiresAt and refused from expiresAt on; a clock moved back before the latest
 * recorded time is refused; moved forward past expiry, refused; never anything else.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DAY_MS, leasePayload, leaseState } from './lease.js';
import { checkOfflineUse } from './offlineuse.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham'];
// Instants around the 2026 DST changes (Europe, United States, Lord Howe's half hour).
const DST = ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'].map(Date.parse);
const savedTz = process.env['TZ'];
after(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
});

const issueTime = fc.oneof(
  fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') }),
  fc.constantFrom(...DST).chain((t) => fc.integer({ min: t - 2 * DAY_MS, max: t + 2 * DAY_MS })),
);

const lease = (now: number, offlineDays: number) => leasePayload({ server: 's', user: 'u', device: 'd', db: 'main', offlineDays, now });

for (const zone of ZONES) {
  test(`lease boundaries and clock moves in ${zone}`, () => {
    process.env['TZ'] = zone;
    fc.assert(
      fc.property(issueTime, fc.integer({ min: 1, max: 3650 }), fc.integer({ min: 1, max: 10 * DAY_MS }), (now, days, jump) => {
        const l = lease(now, days);
        const exp = Date.parse(l.expiresAt);
        assert.equal(exp - Date.parse(l.issuedAt), days * DAY_MS, 'exactly offlineDays x 24 h, DST or not');
        assert.equal(leaseState(l, exp - 1, now), 'valid', 'usable to the last millisecond');
        assert.equal(leaseState(l, exp, now), 'expired', 'refused at expiresAt exactly');
        assert.equal(leaseState(l, exp + jump, now), 'expired', 'clock moved forward past expiry');
        assert.equal(leaseState(l, now - jump, now), 'clock_moved_back');
        const d = checkOfflineUse({ lease: l, now: exp, latestRecordedTime: now });
        assert.deepEqual(d, { ok: false, reason: 'expired', expiredAt: l.expiresAt });
      }),
      { numRuns: 300 },
    );
  });
}
