import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomId } from '../keys/index.js';
import { idMatcher } from './source.js';

describe('idMatcher: the dirty-id test of a later unlock', () => {
  test('says exactly what the set says, for random ids, ids sharing a prefix, short, empty and non-ASCII strings', () => {
    const id = fc.oneof(
      fc.constantFrom(...Array.from({ length: 8 }, () => randomId())),
      fc.string({ maxLength: 3 }),
      fc.string({ unit: 'binary', maxLength: 24 }),
      // Ids that share their first characters with others (the prefix table's collisions).
      fc.tuple(fc.constantFrom('Ab', 'Abc', 'A!', '__', '-9x'), fc.string({ maxLength: 20 })).map(([p, rest]) => p + rest),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 40 }), fc.array(id, { maxLength: 40 }), (members, probes) => {
        const set = new Set(members);
        const has = idMatcher(set);
        for (const x of [...members, ...probes]) assert.equal(has(x), set.has(x), JSON.stringify(x));
      }),
      { numRuns: 500 },
    );
  });

  test('an empty set matches nothing', () => {
    const has = idMatcher(new Set());
    for (const x of ['', 'a', randomId()]) assert.equal(has(x), false);
  });
});
