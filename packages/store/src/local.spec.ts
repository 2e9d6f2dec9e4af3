import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OfflineStore, type StoredRecord } from './store.js';

const randomKey = (): Uint8Array => new Uint8Array(randomBytes(32));

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'safehold-local-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
const enc = new TextEncoder();
function rec(id: string, rev: string): StoredRecord {
  return {
    id: id.padEnd(22, '0'), db: 'main', revision: rev.padEnd(22, '0'), creator: 'alice', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: 'alice', masked: false, sealed: false, rights: ['read', 'write', 'export'], header: enc.encode(`H-${rev}`), secret: enc.encode(`S-${rev}`), headerKey: enc.encode('HK'), secretKey: enc.encode('SK'),
  };
}
const entry = (op: string, record: string, kind: 'create' | 'update' | 'delete' = 'update') => ({ opId: op.padEnd(22, '0'), record: record.padEnd(22, '0'), kind, at: '2026-01-02T00:00:00.000Z', data: `{"op":"${op}"}` });

describe('OfflineStore: outbox and conflicts (E5)', () => {
  test('a queued change and its local copy are one transaction; the outbox keeps its order', (t) => {
    const dir = tempDir(t);
    const s = OfflineStore.create(join(dir, 'a.sqlite'), randomKey(), { now: 1 });
    s.applyPage({ records: [rec('a', 'r1')], removed: [], cursor: 'd.1', lease: { payload: 'p', signature: 's' }, now: 2 });
    const g = s.generation();
    s.queueLocal(entry('op1', 'a'), { upsert: rec('a', 'r2') });
    s.queueLocal(entry('op2', 'b', 'create'), { upsert: rec('b', 'n1') });
    s.queueLocal(entry('op3', 'a', 'delete'), { remove: 'a'.padEnd(22, '0') });
    assert.deepEqual(s.outbox().map((e) => e.opId.slice(0, 3)), ['op1', 'op2', 'op3']);
    assert.equal(s.getRecord('a'.padEnd(22, '0')), null);
    assert.ok(s.generation() > g, 'the header cache learns of local changes');
    assert.deepEqual([...s.pendingIds()].sort(), ['a'.padEnd(22, '0'), 'b'.padEnd(22, '0')]);
    // A failing queue (the same operation id) writes neither the entry nor the copy.
    assert.throws(() => s.queueLocal(entry('op1', 'c'), { upsert: rec('c', 'x1') }));
    assert.equal(s.getRecord('c'.padEnd(22, '0')), null);
    assert.equal(s.outbox().length, 3);
    s.close();
  });

  test('settling drops the change, keeps a conflict, removes a refused create; a rebuild carries both tables', (t) => {
    const dir = tempDir(t);
    const key = randomKey();
    const s = OfflineStore.create(join(dir, 'a.sqlite'), key, { now: 1 });
    s.queueLocal(entry('op1', 'b', 'create'), { upsert: rec('b', 'n1') });
    s.queueLocal(entry('op2', 'c'), { upsert: rec('c', 'c2') });
    const [e1, e2] = s.outbox();
    s.settle(e1?.seq ?? 0, { conflict: { id: 'k1'.padEnd(22, '0'), record: 'b'.padEnd(22, '0'), kind: 'rejected', at: 'x', fields: [], reason: 'no', data: '{}' }, removeRecord: 'b'.padEnd(22, '0') });
    assert.equal(s.getRecord('b'.padEnd(22, '0')), null);
    assert.equal(s.outbox().length, 1);
    const b = OfflineStore.build(join(dir, 'a.rebuild.sqlite'), key, { now: 3 });
    s.copyLocalTo(b);
    s.close();
    b.commitTo(join(dir, 'a.sqlite'));
    const r = OfflineStore.open(join(dir, 'a.sqlite'), key);
    assert.deepEqual(r.outbox().map((e) => e.seq), [e2?.seq]);
    assert.deepEqual(r.conflicts().map((c) => [c.kind, c.reason]), [['rejected', 'no']]);
    assert.equal(r.removeConflict('k1'.padEnd(22, '0')), true);
    assert.equal(r.conflicts().length, 0);
    r.close();
  });
});
