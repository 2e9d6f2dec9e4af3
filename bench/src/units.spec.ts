/** Unit tests of the harness's pure parts: arguments, sizes, statistics, fixtures' determinism. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, QUICK_SIZES, FULL_SIZES } from './args.js';
import { effectiveSizes, targetMet, targetText, type MetricDef } from './metric.js';
import { median, quantile } from './stats.js';
import { Prng } from './prng.js';
import { needleHits, plainRecord, SEARCH_NEEDLE } from './fixtures/records.js';

const def = (sizes: number[] | null): MetricDef => ({ name: 'x', unit: 'ms', sizes, run: async () => ({ value: 1 }) });

test('arguments: full, quick, sizes, only', () => {
  assert.deepEqual(parseArgs([]).opts.sizes, FULL_SIZES);
  assert.equal(parseArgs([]).complete, true);
  const q = parseArgs(['--quick']);
  assert.deepEqual(q.opts.sizes, QUICK_SIZES);
  assert.equal(q.opts.quick, true);
  assert.equal(q.complete, true);
  const s = parseArgs(['--sizes', '50,10k', '--only=first_sync_ms', '--out', 'x.json']);
  assert.deepEqual(s.opts.sizes, [50, 10_000]);
  assert.deepEqual(s.only, ['first_sync_ms']);
  assert.equal(s.out, 'x.json');
  assert.equal(s.complete, false);
  assert.throws(() => parseArgs(['--bogus']), /unknown option/);
  assert.throws(() => parseArgs(['--sizes', 'ten']), /bad size/);
});

test('a metric runs at its sizes within the run, or at the run largest when all of its sizes are above', () => {
  assert.deepEqual(effectiveSizes(def([1000, 10_000, 100_000]), QUICK_SIZES), [1000, 10_000]);
  assert.deepEqual(effectiveSizes(def([100_000]), QUICK_SIZES), [10_000]);
  assert.deepEqual(effectiveSizes(def([100_000]), FULL_SIZES), [100_000]);
  assert.deepEqual(effectiveSizes(def([1000]), [10_000]), []);
  assert.deepEqual(effectiveSizes(def(null), [50]), [null]);
});

test('targets', () => {
  assert.equal(targetText({ op: '<', value: 5 }, 'ms'), '< 5 ms');
  assert.equal(targetMet({ op: '<', value: 5 }, 4.9), true);
  assert.equal(targetMet({ op: '<', value: 5 }, 5), false);
  assert.equal(targetMet({ op: '>=', value: 2000 }, 2000), true);
  assert.equal(targetMet(null, 1), null);
  assert.equal(targetMet({ op: '<', value: 5 }, null), null);
  // A baseline-relative target reads the ratio, never the value.
  assert.equal(targetText({ op: '>=', value: 0.7, ofBaseline: true }, '/s'), '>= 0.7x baseline');
  assert.equal(targetMet({ op: '>=', value: 0.7, ofBaseline: true }, 5000, 0.69), false);
  assert.equal(targetMet({ op: '>=', value: 0.7, ofBaseline: true }, 10, 0.7), true);
  // A ratio target with an absolute cap: both must hold.
  const capped = { op: '<=' as const, value: 1.3, ofBaseline: true, below: 7000 };
  assert.equal(targetText(capped, 'ms'), '<= 1.3x baseline and < 7000 ms');
  assert.equal(targetMet(capped, 6000, 1.3), true);
  assert.equal(targetMet(capped, 6000, 1.31), false);
  assert.equal(targetMet(capped, 7000, 1.2), false);
  assert.equal(targetMet({ op: '>=', value: 0.7, ofBaseline: true }, 5000, null), null);
});

test('statistics', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(xs, 0.95), 95);
  assert.equal(quantile(xs, 0.99), 99);
  assert.equal(quantile([7], 0.95), 7);
  assert.throws(() => median([]));
});

test('fixtures are deterministic and the needle count is right', () => {
  assert.deepEqual(new Prng('a').bytes(8), new Prng('a').bytes(8));
  assert.notDeepEqual(new Prng('a').bytes(8), new Prng('b').bytes(8));
  assert.deepEqual(plainRecord('s', 42), plainRecord('s', 42));
  assert.notDeepEqual(plainRecord('s', 42), plainRecord('t', 42));
  for (const n of [1, 7, 8, 50, 1000, 1007, 1008, 10_000]) {
    let hits = 0;
    for (let i = 0; i < n; i++) if (plainRecord('s', i).header.name.includes(SEARCH_NEEDLE)) hits++;
    assert.equal(needleHits(n), hits, `n=${n}`);
  }
});
