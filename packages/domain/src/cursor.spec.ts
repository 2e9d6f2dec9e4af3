import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { formatCursor, parseCursor, type SyncCursor } from './cursor.js';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const ID2 = 'a-_Z09zzzzzzzzzzzzzzzz';

describe('sync cursor', () => {
  test('absent, empty and "0" are the start', () => {
    for (const s of [undefined, null, '', '0']) assert.deepEqual(parseCursor(s), { kind: 'start' });
    assert.equal(formatCursor({ kind: 'start' }), '0');
  });

  test('round trips every kind', () => {
    const all: SyncCursor[] = [
      { kind: 'delta', seq: 0 },
      { kind: 'delta', seq: 42 },
      { kind: 'delta', seq: Number.MAX_SAFE_INTEGER },
      { kind: 'partial', seq: 7, after: ID },
      { kind: 'reset', snapshotSeq: 12, after: ID2 },
      { kind: 'reset', snapshotSeq: 12, after: ID2, total: 0 },
      { kind: 'reset', snapshotSeq: 12, after: ID2, total: 100000 },
    ];
    for (const c of all) assert.deepEqual(parseCursor(formatCursor(c)), c);
    assert.equal(formatCursor({ kind: 'delta', seq: 5 }), 'd.5');
    assert.equal(formatCursor({ kind: 'reset', snapshotSeq: 9, after: ID }), `r.9.${ID}`);
    assert.equal(formatCursor({ kind: 'partial', seq: 3, after: ID }), `p.3.${ID}`);
    assert.equal(formatCursor({ kind: 'reset', snapshotSeq: 9, after: ID, total: 70 }), `r.9.${ID}.70`);
  });

  test('anything malformed is bad_request', () => {
    const badOnes = [
      'd',
      'd.',
      'd.-1',
      'd.01',
      'd.1.5',
      'd.1e3',
      'd. 1',
      'd.99999999999999999',
      `r.5`,
      `r.5.`,
      `r.5.${ID}x`,
      `r.5.short`,
      `r.05.${ID}`,
      `p.x.${ID}`,
      `x.5.${ID}`,
      '00',
      '1',
      'D.1',
      'd.1 ',
      `r.5.${ID}.extra`,
      `r.5.${ID}.`,
      `r.5.${ID}.07`,
      `r.5.${ID}.1.2`,
      `p.5.${ID}.7`,
      'd.'.padEnd(300, '1'),
    ];
    for (const s of badOnes) {
      assert.throws(
        () => parseCursor(s),
        (e: unknown) => e instanceof SafeholdError && e.code === 'bad_request',
        `cursor ${JSON.stringify(s)} must be refused`,
      );
    }
  });

  test('a seq beyond the safe integers is refused', () => {
    assert.throws(() => parseCursor('d.9999999999999999'), (e: unknown) => e instanceof SafeholdError && e.code === 'bad_request');
  });
});
