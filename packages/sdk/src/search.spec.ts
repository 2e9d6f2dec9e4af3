import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldText, hasTag, indexForSearch, matches, mergeByName, prepareSearch, searchRecords, sortByName } from './search.js';

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

test('a prepared list answers exactly as an unprepared one, in the same order', () => {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'Émile', 'café', 'core', 'router', 'x'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const make = () =>
    Array.from({ length: 400 }, (_, i) =>
      rec(`${words[next() % words.length]} ${i}`, {
        username: words[next() % words.length] ?? '',
        url: i % 3 === 0 ? `https://${words[next() % words.length]}.example` : '',
        tags: i % 5 === 0 ? [words[next() % words.length] ?? ''] : [],
        notes: i % 7 === 0 ? `line one\nmentions ${words[next() % words.length]}\0 nul` : '',
      }),
    );
  const plain = make();
  seed = 7;
  const prepared = prepareSearch(make());
  assert.ok(Object.isFrozen(prepared));
  const queries = ['alpha', 'EMILE', 'cafe core', 'a', 'x', '0', '399', 'ha\0be', 'alpha beta gamma', 'nothing-here', 'example', 'one mentions', 'nul', '  '];
  for (const q of queries) {
    const want = searchRecords(plain, q).map((r) => r.name);
    assert.deepEqual(searchRecords(prepared, q).map((r) => r.name), want, q);
  }
  // The first and the last record are found; a term never spans two records through the separator.
  assert.deepEqual(searchRecords(prepared, prepared[0]?.name ?? '').map((r) => r.name).includes(prepared[0]?.name ?? ''), true);
  assert.deepEqual(searchRecords(prepared, '399').map((r) => r.name), [prepared[399]?.name]);
  // A prepared list cannot change under its index: it is frozen.
  assert.throws(() => (prepared as Array<(typeof prepared)[number]>).push(rec('yyy-added')), TypeError);
  assert.deepEqual(searchRecords(prepared, 'yyy-added'), []);
});

test('an index built ahead (indexForSearch) answers as the one built at the first search; an unprepared list is left alone', () => {
  const make = () => Array.from({ length: 500 }, (_, i) => rec(`rec ${i}`, { username: `u${i % 7}`, notes: i % 3 ? 'x' : 'Zoë' }));
  const ahead = prepareSearch(make());
  indexForSearch(ahead);
  const lazy = prepareSearch(make());
  for (const q of ['zoe', 'u3', 'rec 4', 'u3 zoe', 'nothing']) {
    assert.deepEqual(searchRecords(ahead, q).map((r) => r.name), searchRecords(lazy, q).map((r) => r.name), q);
  }
  const plain = make();
  indexForSearch(plain);
  assert.equal(Object.isFrozen(plain), false, 'not made ready: not frozen, searched record by record');
  assert.deepEqual(searchRecords(plain, 'u3 zoe').map((r) => r.name), searchRecords(lazy, 'u3 zoe').map((r) => r.name));
});

test('mergeByName places extra records exactly where a whole sortByName puts them', () => {
  const names = ['zulu', 'Alpha', 'échelle', 'echo', 'Mike 10', 'Mike 9', 'bravo', 'Kilo', 'alpha', 'Écho', '', 'kilo', 'mike 9'];
  let seed = 7;
  const rnd = (k: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % k;
  };
  for (let round = 0; round < 300; round++) {
    const all = Array.from({ length: 1 + rnd(40) }, (_, i) => ({ name: names[rnd(names.length)] as string, id: `id${rnd(1000)}-${i}` }));
    const split = rnd(all.length + 1);
    const extra = all.slice(split);
    const sorted = sortByName(all.slice(0, split));
    assert.deepEqual(mergeByName(sorted, [...extra]), sortByName([...all]), `round ${round}`);
  }
  assert.deepEqual(mergeByName([], [{ name: 'b', id: '1' }, { name: 'a', id: '2' }]).map((x) => x.name), ['a', 'b']);
});
