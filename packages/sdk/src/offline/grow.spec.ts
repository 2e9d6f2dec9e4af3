import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRoom } from './grow.js';

test('withRoom returns the same array while it has room', () => {
  const a = new Uint32Array(8);
  assert.equal(withRoom(a, 8), a);
  assert.equal(withRoom(a, 0, 0, true), a);
});

test('withRoom grows to at least twice the length, same type, keeping the first elements', () => {
  for (const make of [(n: number) => new Uint8Array(n), (n: number) => new Int32Array(n), (n: number) => new Uint32Array(n)]) {
    const a = make(4);
    a.set([1, 2, 3, 4]);
    const b = withRoom(a, 5, 3);
    assert.equal(b.constructor, a.constructor);
    assert.equal(b.length, 8);
    assert.deepEqual([...b], [1, 2, 3, 0, 0, 0, 0, 0]);
    assert.deepEqual([...a], [1, 2, 3, 4], 'without wipe the old array is left as it was');
    assert.equal(withRoom(make(4), 100).length, 100, 'a need beyond twice the length is met at once');
  }
});

test('withRoom with wipe zeroes the old array (it held key material) and keeps the copy', () => {
  const keys = new Uint8Array(32).fill(0xab);
  const bigger = withRoom(keys, 33, 32, true);
  assert.ok(keys.every((x) => x === 0));
  assert.ok(bigger.subarray(0, 32).every((x) => x === 0xab));
  assert.ok(bigger.subarray(32).every((x) => x === 0));
});
