/**
 * The compiled wire schemas (zod's ahead-of-time compiler, schemas.ts) must decide exactly as the runtime
 * parser does: same success, same parsed value, same issues on failure. Checked on every schema of the
 * endpoint table with arbitrary JSON, and on sync pages built from valid records with one field broken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as Api from './api.js';
import * as Transfer from './transfer.js';
import { ENDPOINTS } from './endpoints.js';
import { schemaOf } from './schemas.js';
import type { z } from 'zod';

const ALL: Record<string, unknown> = { ...Api, ...Transfer };

const outcomes = { accepted: 0, refused: 0 };

function same(name: string, input: unknown): void {
  const runtime = (ALL[name] as z.ZodType).safeParse(input);
  const compiled = schemaOf(name as never).safeParse(input);
  assert.equal(compiled.success, runtime.success, `${name}: compiled and runtime disagree on ${JSON.stringify(input)?.slice(0, 300)}`);
  outcomes[runtime.success ? 'accepted' : 'refused']++;
  if (runtime.success && compiled.success) assert.deepEqual(compiled.data, runtime.data, name);
  else assert.deepEqual(compiled.error?.issues, runtime.error?.issues, name);
}

const names: string[] = [...new Set(Object.values(ENDPOINTS).flatMap((ep: { response?: unknown; body?: unknown; query?: unknown }) => [ep.response, ep.body, ep.query].filter((n): n is string => typeof n === 'string')))];

test('every endpoint schema: compiled and runtime parsers agree on arbitrary JSON', () => {
  assert.ok(names.length > 20, 'the endpoint table names its schemas');
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.jsonValue({ maxDepth: 4 }), (name, value) => same(name, value)),
    { numRuns: 3000 },
  );
});

const idChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const randomId = fc.string({ unit: fc.constantFrom(...idChars), minLength: 22, maxLength: 22 }).filter((s) => s[0] !== '-');
const b64 = fc.string({ unit: fc.constantFrom(...idChars), maxLength: 60 });
const iso = fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());

const record = fc.record({
  id: randomId, db: fc.constantFrom('main', 'ops.db', 'x_y-1'), revision: randomId, creator: fc.constantFrom('alice', 'bob'),
  createdAt: iso, updatedAt: iso, updatedBy: fc.constantFrom('alice', 'bob'), masked: fc.boolean(), sealed: fc.boolean(),
  seal: fc.option(fc.record({ approvers: fc.array(fc.constantFrom('alice', 'carol'), { maxLength: 3 }), required: fc.integer({ min: 1, max: 3 }), windowMinutes: fc.integer({ min: 1, max: 60 }) }), { nil: null }),
  header: b64, secret: fc.option(b64, { nil: null }),
  keys: fc.option(fc.record({ header: b64, secret: fc.option(b64, { nil: null }) }), { nil: null }),
  keyHolder: fc.option(fc.oneof(fc.record({ kind: fc.constant('user'), user: fc.constantFrom('alice', 'bob') }), fc.record({ kind: fc.constant('role'), role: fc.constant('ops') })), { nil: null }),
  rights: fc.subarray(['read', 'write', 'delete', 'authorize', 'export']),
});

/** A value that breaks the field it replaces (wrong type, bad format, an out-of-range time, an unknown key). */
const breaker = fc.oneof(fc.constant(null), fc.constant(7), fc.constant(''), fc.constant('2026-02-30T00:00:00Z'), fc.constant('not base64!'), fc.constant(['nope']), fc.constant({ extra: 1 }), fc.string());

test('sync pages: compiled and runtime agree on valid pages and on pages with one field of one record broken', () => {
  fc.assert(
    fc.property(
      fc.array(record, { maxLength: 8 }), fc.boolean(), fc.option(fc.tuple(fc.nat(), fc.constantFrom('id', 'createdAt', 'header', 'rights', 'keys', 'keyHolder', 'seal', 'masked', 'unknownKey'), breaker), { nil: null }),
      (records, hasMore, broken) => {
        const page: Record<string, unknown> = { kind: 'changes', reset: false, records, removed: records.slice(0, 2).map((r) => r.id), cursor: 'c1', hasMore, total: null, lease: { payload: '{}', signature: 'AAAA' } };
        if (broken && records.length > 0) {
          const r = records[broken[0] % records.length] as Record<string, unknown>;
          r[broken[1]] = broken[2];
        }
        same('SyncResponse', page);
        same('RecordList', { records });
      },
    ),
    { numRuns: 1500 },
  );
  // Both outcomes were compared, not only refusals.
  assert.ok(outcomes.accepted > 500 && outcomes.refused > 200, JSON.stringify(outcomes));
});
