/**
 * fast-check arbitraries derived from the protocol's zod schemas (issue 17, bad input): a walk over zod 4's
 * schema definitions (`_zod.def`) for the kinds the wire schemas use. With `valid` the values satisfy the
 * schema as far as its shape, lengths and patterns go; the fuzzer then mutates them (a field dropped, one
 * added, a value of the wrong type), so the server sees both near-valid and broken bodies.
 */
import fc from 'fast-check';

/** The part of a zod 4 schema this walk reads (zod's own types are not imported: e2e talks wire only). */
interface ZodLike {
  _zod: { def: Record<string, unknown> & { type: string } };
}

const isZod = (x: unknown): x is ZodLike => typeof x === 'object' && x !== null && '_zod' in x;

function stringArb(def: Record<string, unknown>): fc.Arbitrary<string> {
  let min = 0;
  let max = 64;
  let pattern: RegExp | null = null;
  for (const c of (def['checks'] as ZodLike[] | undefined) ?? []) {
    const cd = c._zod.def as Record<string, unknown>;
    if (cd['check'] === 'min_length') min = Number(cd['minimum']);
    if (cd['check'] === 'max_length') max = Math.min(Number(cd['maximum']), 200);
    if (cd['check'] === 'string_format' && cd['pattern'] instanceof RegExp) pattern = cd['pattern'];
  }
  if (def['format'] === 'datetime') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (pattern) return fc.stringMatching(pattern).filter((s) => s.length <= Math.max(max, 64));
  return fc.string({ minLength: Math.min(min, max), maxLength: Math.max(min, max) });
}

/** An arbitrary of values shaped by `schema`. */
export function arbitraryOf(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (!isZod(schema) || depth > 8) return fc.jsonValue({ maxDepth: 2 });
  const def = schema._zod.def;
  const inner = (k: string) => arbitraryOf(def[k], depth + 1);
  switch (def.type) {
    case 'object': {
      const shape = def['shape'] as Record<string, unknown>;
      const entries: Record<string, fc.Arbitrary<unknown>> = {};
      const optional: string[] = [];
      for (const [k, v] of Object.entries(shape)) {
        entries[k] = arbitraryOf(v, depth + 1);
        if (isZod(v) && ['optional', 'default'].includes(v._zod.def.type)) optional.push(k);
      }
      const required = Object.keys(entries).filter((k) => !optional.includes(k));
      return fc.record(entries, { requiredKeys: required });
    }
    case 'string':
      return stringArb(def);
    case 'number':
    case 'int':
      return fc.oneof(fc.integer({ min: -10, max: 1_000_000 }), fc.double({ noNaN: true }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'literal':
      return fc.constantFrom(...(def['values'] as unknown[]));
    case 'enum':
      return fc.constantFrom(...Object.values(def['entries'] as Record<string, unknown>));
    case 'array': {
      const arb = inner('element');
      return fc.array(arb, { maxLength: 4 });
    }
    case 'union':
      return fc.oneof(...(def['options'] as unknown[]).map((o) => arbitraryOf(o, depth + 1)));
    case 'nullable':
      return fc.oneof(inner('innerType'), fc.constant(null));
    case 'optional':
    case 'default':
    case 'readonly':
    case 'catch':
      return inner('innerType');
    case 'pipe':
      return inner('in');
    case 'record':
      return fc.dictionary(fc.string({ maxLength: 8 }), inner('valueType'), { maxKeys: 3 });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A body from `base` broken one way: a field dropped, a field added, a field of the wrong type, or as is. */
export function mutated(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(base, fc.nat(3), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })).map(([v, how, key, junk]) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return how === 0 ? v : junk;
    const o = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    const k = keys.length > 0 ? (keys[key.length % keys.length] as string) : key;
    if (how === 1) delete o[k];
    if (how === 2) o[key || 'extra'] = junk;
    if (how === 3) o[k] = junk;
    return o;
  });
}
