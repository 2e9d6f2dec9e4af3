import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decidePush, mergeThreeWay, sameFlat, type FlatRecord, type PushFacts } from './merge.js';

describe('three-way merge of an offline edit', () => {
  test('disjoint fields: both sides survive', () => {
    const base = { name: 'Router', username: 'admin', password: 'old' };
    const r = mergeThreeWay(base, { ...base, password: 'server-new' }, { ...base, username: 'root' });
    assert.deepEqual(r.merged, { name: 'Router', username: 'root', password: 'server-new' });
    assert.deepEqual(r.conflicts, []);
  });

  test('same field changed differently: the server value stays, the key is a conflict', () => {
    const base = { name: 'Router', password: 'old' };
    const r = mergeThreeWay(base, { ...base, password: 'server' }, { ...base, password: 'mine' });
    assert.deepEqual(r.merged, { name: 'Router', password: 'server' });
    assert.deepEqual(r.conflicts, ['password']);
  });

  test('same change on both sides, and removals on one side, merge silently', () => {
    const base = { name: 'A', 'field:x': '1', 'secret:y': '2' };
    const r = mergeThreeWay(base, { name: 'B', 'field:x': '1' }, { name: 'B', 'field:x': '1', 'secret:y': '2', url: 'u' });
    assert.deepEqual(r.merged, { name: 'B', 'field:x': '1', url: 'u' });
    assert.deepEqual(r.conflicts, []);
  });

  test('removed on one side, changed on the other: a conflict, the server side kept', () => {
    const r = mergeThreeWay({ notes: 'a' }, {}, { notes: 'b' });
    assert.deepEqual(r.merged, {});
    assert.deepEqual(r.conflicts, ['notes']);
  });

  const flat = fc.dictionary(fc.constantFrom('name', 'username', 'password', 'url', 'field:a', 'secret:b'), fc.constantFrom('', 'x', 'y', 'z'), { noNullPrototype: true });
  test('properties: identity, one-sided changes win, the result only holds values of the three inputs', () => {
    fc.assert(
      fc.property(flat, flat, flat, (b, s, m) => {
        assert.deepEqual(mergeThreeWay(b, s, b).merged, s);
        assert.deepEqual(mergeThreeWay(b, b, m).merged, m);
        assert.deepEqual(mergeThreeWay(b, s, s).merged, s);
        const r = mergeThreeWay(b, s, m);
        for (const [k, v] of Object.entries(r.merged)) assert.ok(v === s[k] || v === m[k], k);
        for (const k of r.conflicts) assert.equal(r.merged[k], s[k]);
        // Every value of mine is in the merge or a conflict (then it goes to history), or was the base's.
        for (const [k, v] of Object.entries(m)) assert.ok(r.merged[k] === v || r.conflicts.includes(k) || b[k] === v, k);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the server decision on a pushed change', () => {
  const f = (o: Partial<PushFacts> = {}): PushFacts => ({
    exists: true, deleted: false, revision: 'r1', sealed: false, canWrite: true, canDelete: true, createdByCaller: false, takenElsewhere: false, ...o,
  });
  test('creates, updates on the current base, stale otherwise; lost answers are recognised', () => {
    assert.deepEqual(decidePush({ kind: 'create', baseRevision: null, revision: 'n' }, f({ exists: false, revision: null })), { do: 'create' });
    assert.deepEqual(decidePush({ kind: 'create', baseRevision: null, revision: 'r1' }, f({ createdByCaller: true })), { do: 'already' });
    assert.equal(decidePush({ kind: 'create', baseRevision: null, revision: 'n' }, f()).do, 'rejected');
    assert.equal(decidePush({ kind: 'create', baseRevision: null, revision: 'n' }, f({ exists: false, takenElsewhere: true })).do, 'rejected');
    assert.deepEqual(decidePush({ kind: 'update', baseRevision: 'r1', revision: 'r2' }, f()), { do: 'update' });
    assert.deepEqual(decidePush({ kind: 'update', baseRevision: 'r0', revision: 'r1' }, f()), { do: 'already' });
    assert.deepEqual(decidePush({ kind: 'update', baseRevision: 'r0', revision: 'r2' }, f()), { do: 'stale' });
  });
  test('deleted on the server, deleted offline, rights withdrawn, sealed', () => {
    assert.deepEqual(decidePush({ kind: 'update', baseRevision: 'r1', revision: 'r2' }, f({ deleted: true })), { do: 'deleted' });
    assert.deepEqual(decidePush({ kind: 'delete', baseRevision: 'r0', revision: null }, f()), { do: 'delete_conflict' });
    assert.deepEqual(decidePush({ kind: 'delete', baseRevision: 'r1', revision: null }, f()), { do: 'delete' });
    assert.deepEqual(decidePush({ kind: 'delete', baseRevision: 'r1', revision: null }, f({ deleted: true })), { do: 'already' });
    assert.match(JSON.stringify(decidePush({ kind: 'update', baseRevision: 'r1', revision: 'r2' }, f({ canWrite: false }))), /write right/);
    assert.match(JSON.stringify(decidePush({ kind: 'delete', baseRevision: 'r1', revision: null }, f({ canDelete: false }))), /delete right/);
    assert.match(JSON.stringify(decidePush({ kind: 'update', baseRevision: 'r1', revision: 'r2' }, f({ sealed: true }))), /sealed/);
    assert.match(JSON.stringify(decidePush({ kind: 'update', baseRevision: 'r1', revision: 'r2' }, f({ exists: false }))), /no longer accessible/);
  });
});

/*
 * A model of the whole protocol on one record: a server (current version, history, operation ids
 * applied) and two offline devices with outboxes, under any interleaving of online edits, offline edits
 * and pushes whose answers may be lost (the push then stops, to be retried at the next one).
 */
interface Version { rev: string; values: FlatRecord }
interface Op { opId: string; base: Version; revision: string; values: FlatRecord }
interface Device { local: Version; outbox: Op[] }
type Cmd =
  | { t: 'online'; key: string; value: string }
  | { t: 'offline'; dev: number; key: string; value: string }
  | { t: 'push'; dev: number; lose: boolean[] };

class ModelServer {
  current: Version;
  history: Array<Version & { conflict: boolean }> = [];
  applied = new Map<string, number>();
  answers = new Map<string, string>();
  private n = 0;
  constructor(v: Version) {
    this.current = v;
    this.history.push({ ...v, conflict: false });
  }
  rev(): string {
    return `s${++this.n}`;
  }
  save(v: Version, conflict: boolean): void {
    if (!conflict) this.current = v;
    this.history.push({ ...v, conflict });
  }
  /** One pushed change: 'applied' or 'stale' (with the current version). */
  push(opId: string, baseRevision: string, revision: string, values: FlatRecord, conflict: Version | null): 'applied' | 'stale' {
    if (this.answers.has(opId)) return 'applied';
    const d = decidePush({ kind: 'update', baseRevision, revision }, { exists: true, deleted: false, revision: this.current.rev, sealed: false, canWrite: true, canDelete: true, createdByCaller: true, takenElsewhere: false });
    if (d.do === 'stale') return 'stale';
    if (d.do === 'update') {
      if (conflict) this.save(conflict, true);
      this.save({ rev: revision, values }, false);
      this.applied.set(opId, (this.applied.get(opId) ?? 0) + 1);
    }
    this.answers.set(opId, 'applied');
    return 'applied';
  }
}

describe('offline edits model (property): nothing lost, nothing applied twice', () => {
  const key = fc.constantFrom('username', 'password', 'url', 'field:a');
  const value = fc.constantFrom('1', '2', '3', '');
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    fc.record({ t: fc.constant('online' as const), key, value }),
    fc.record({ t: fc.constant('offline' as const), dev: fc.integer({ min: 0, max: 1 }), key, value }),
    fc.record({ t: fc.constant('push' as const), dev: fc.integer({ min: 0, max: 1 }), lose: fc.array(fc.boolean(), { maxLength: 6 }) }),
  );

  test('for any interleaving of online edits, two devices\' offline edits and interrupted pushes', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 40 }), (cmds) => {
        const initial: Version = { rev: 's0', values: { name: 'R', username: '0', password: '0' } };
        const server = new ModelServer(initial);
        const saved: FlatRecord[] = [initial.values];
        const devices: Device[] = [0, 1].map(() => ({ local: initial, outbox: [] }));
        let ids = 0;
        const set = (v: FlatRecord, k: string, x: string): FlatRecord => {
          const o: Record<string, string> = { ...v };
          if (x === '') delete o[k];
          else o[k] = x;
          return o;
        };
        const push = (d: Device, lose: boolean[]): void => {
          let i = 0;
          while (d.outbox.length > 0) {
            const op = d.outbox[0] as Op;
            let base = op.base.rev;
            let revision = op.revision;
            let values = op.values;
            let conflict: Version | null = null;
            for (;;) {
              const answer = server.push(op.opId, base, revision, values, conflict);
              if (lose[i++] === true) return; // the answer is lost: the push stops, the outbox is kept
              if (answer === 'applied') break;
              const cur = server.current;
              const m = mergeThreeWay(op.base.values, cur.values, op.values);
              base = cur.rev;
              revision = `m${++ids}`;
              values = m.merged;
              conflict = m.conflicts.length > 0 ? { rev: op.revision, values: op.values } : null;
            }
            d.outbox.shift();
          }
          d.local = server.current; // the pull after a complete push
        };
        for (const c of cmds) {
          if (c.t === 'online') {
            const v = { rev: server.rev(), values: set(server.current.values, c.key, c.value) };
            server.save(v, false);
            saved.push(v.values);
          } else if (c.t === 'offline') {
            const d = devices[c.dev] as Device;
            const v: Version = { rev: `o${++ids}`, values: set(d.local.values, c.key, c.value) };
            d.outbox.push({ opId: `op${ids}`, base: d.local, revision: v.rev, values: v.values });
            d.local = v;
            saved.push(v.values);
          } else push(devices[c.dev] as Device, c.lose);
        }
        for (const d of devices) push(d, []);
        for (const d of devices) push(d, []); // the second round pulls what the other device pushed
        for (const v of saved) {
          for (const [k, x] of Object.entries(v)) {
            const kept = server.current.values[k] === x || server.history.some((h) => h.values[k] === x);
            assert.ok(kept, `value ${k}=${x} lost`);
          }
        }
        for (const [opId, n] of server.applied) assert.equal(n, 1, `${opId} applied ${n} times`);
        assert.ok(devices.every((d) => d.outbox.length === 0 && sameFlat(d.local.values, server.current.values)));
      }),
      { numRuns: 400 },
    );
  });
});
