/** The endpoint table: every schema it names exists, every path parameter has its id type, paths fill safely. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENDPOINTS, fillPath } from './endpoints.js';
import { schemaOf } from './schemas.js';

// The keys of ParamTypes in endpoints.ts (a type, so listed here once more; the test fails if they drift).
const BRANDED_PARAMS = new Set(['db', 'id', 'user', 'role', 'rid', 'deviceId', 'orderId']);

test('every schema an entry names is a zod schema of protocol/api or protocol/transfer', () => {
  for (const [name, ep] of Object.entries(ENDPOINTS)) {
    const names = [ep.response, 'body' in ep ? ep.body : null, 'query' in ep ? ep.query : null].filter((x): x is NonNullable<typeof x> => x !== null);
    for (const n of names) assert.equal(typeof schemaOf(n)?.safeParse, 'function', `${name}: ${n} is not a schema`);
    assert.ok(!('body' in ep && 'query' in ep), `${name} has both a body and a query schema`);
  }
});

test('every path parameter of the table has a branded id type', () => {
  for (const [name, ep] of Object.entries(ENDPOINTS)) {
    for (const m of ep.path.matchAll(/:([A-Za-z]+)/g)) assert.ok(BRANDED_PARAMS.has(m[1] ?? ''), `${name}: :${m[1]} has no id type`);
  }
});

test('fillPath encodes each parameter and refuses a missing one', () => {
  assert.equal(fillPath(ENDPOINTS.addRoleMember.path, { db: 'main', role: 'a/b', user: '..' }), '/db/main/roles/a%2Fb/members/..');
  assert.equal(fillPath(ENDPOINTS.getRecord.path, { db: 'x y', id: 'AAAAAAAAAAAAAAAAAAAAAA' }), '/db/x%20y/records/AAAAAAAAAAAAAAAAAAAAAA');
  assert.throws(() => fillPath(ENDPOINTS.getRecord.path, { db: 'main' }), /missing path parameter id/);
});
