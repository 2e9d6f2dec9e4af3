import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldText, hasTag, matches, searchRecords } from './search.js';

const rec = (name: string, extra: Partial<{ username: string; url: string; tags: string[]; notes: string }> = {}) => ({
  name,
  username: extra.username ?? '',
  url: extra.url ?? '',
  tags: extra.tags ?? [],
  notes: extra.notes ?? '',
});

test('folding removes case and accents', () => {
  assert.equal(foldText('Émile CAFÉ Ångström'), 'emile cafe angstrom');
});

test('search is case- and accent-insensitive over name, username, url, tags and notes', () => {
  const recs = [
    rec('Café Portal', { username: 'zoë' }),
    rec('Router', { url: 'https://core.example.test', tags: ['Réseau'] }),
    rec('Bank', { notes: 'Ask Müller for the token' }),
  ];
  assert.deepEqual(searchRecords(recs, 'cafe').map((r) => r.name), ['Café Portal']);
  assert.deepEqual(searchRecords(recs, 'ZOE').map((r) => r.name), ['Café Portal']);
  assert.deepEqual(searchRecords(recs, 'reseau').map((r) => r.name), ['Router']);
  assert.deepEqual(searchRecords(recs, 'core.example').map((r) => r.name), ['Router']);
  assert.deepEqual(searchRecords(recs, 'muller token').map((r) => r.name), ['Bank']);
  assert.deepEqual(searchRecords(recs, 'muller router'), []);
  assert.equal(matches(recs[0] as never, '   '), true);
});

test('tags compare folded', () => {
  assert.equal(hasTag({ tags: ['Réseau'] }, 'reseau'), true);
  assert.equal(hasTag({ tags: ['finance'] }, 'fin'), false);
});
