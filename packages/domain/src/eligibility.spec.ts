import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDelta, isOfflineEligible, planDelta } from './eligibility.js';
import { parseRightsList, unionRights } from './rights.js';

describe('unionRights', () => {
  test('the creator holds every right, whatever the grants say', () => {
    assert.deepEqual(unionRights({ isCreator: true, direct: null, viaRoles: [] }), ['read', 'write', 'delete', 'authorize', 'export']);
  });
  test('export through a role only counts', () => {
    assert.deepEqual(unionRights({ isCreator: false, direct: ['read'], viaRoles: [['export'], ['read', 'write']] }), [
      'read',
      'write',
      'export',
    ]);
  });
  test('no grant at all gives nothing', () => {
    assert.deepEqual(unionRights({ isCreator: false, direct: null, viaRoles: [] }), []);
  });
});

describe('parseRightsList', () => {
  test('reads the stored comma list and ignores unknown words', () => {
    assert.deepEqual(parseRightsList('export,read, bogus'), ['read', 'export']);
    assert.deepEqual(parseRightsList(''), []);
  });
});

describe('isOfflineEligible (R4, R5, E4)', () => {
  test('export-only is in', () => {
    assert.equal(isOfflineEligible({ rights: ['export'], sealed: false, deleted: false }), true);
  });
  test('read-only (every right but export) is out', () => {
    assert.equal(isOfflineEligible({ rights: ['read', 'write', 'delete', 'authorize'], sealed: false, deleted: false }), false);
  });
  test('sealed is out even with every right', () => {
    assert.equal(isOfflineEligible({ rights: ['read', 'export'], sealed: true, deleted: false }), false);
  });
  test('deleted is out', () => {
    assert.equal(isOfflineEligible({ rights: ['export'], sealed: false, deleted: true }), false);
  });
  test('role-granted export (through unionRights) is in', () => {
    const rights = unionRights({ isCreator: false, direct: ['read'], viaRoles: [['read', 'export']] });
    assert.equal(isOfflineEligible({ rights, sealed: false, deleted: false }), true);
  });
});

describe('decideDelta', () => {
  test('eligible now: send, held or not', () => {
    assert.equal(decideDelta(true, false), 'send');
    assert.equal(decideDelta(true, true), 'send');
  });
  test('not eligible and held: remove', () => {
    assert.equal(decideDelta(false, true), 'remove');
  });
  test('not eligible and never given: skip (an id the user was not given is never named)', () => {
    assert.equal(decideDelta(false, false), 'skip');
  });
});

describe('planDelta', () => {
  test('counts added and updated, removes only held ids, once each', () => {
    const plan = planDelta([
      { id: 'new', eligible: true, held: false },
      { id: 'upd', eligible: true, held: true },
      { id: 'gone', eligible: false, held: true },
      { id: 'never', eligible: false, held: false },
      { id: 'upd', eligible: true, held: true },
    ]);
    assert.deepEqual(plan, { send: ['new', 'upd'], remove: ['gone'], added: 1, updated: 1 });
  });
  test('an empty page plans nothing', () => {
    assert.deepEqual(planDelta([]), { send: [], remove: [], added: 0, updated: 0 });
  });
});
