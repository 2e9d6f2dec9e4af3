/** The wire schemas by name (the names the endpoint table uses): both schema modules in one lookup. */
import { z } from 'zod';
import * as Api from './api.js';
import * as Transfer from './transfer.js';
import type { SchemaName } from './endpoints.js';

const ALL: Record<string, unknown> = { ...Api, ...Transfer };

/**
 * The schemas of answers that carry many records, compiled by zod's own ahead-of-time compiler at
 * their first use (a generated parser that falls back to zod's runtime parser for what it cannot model,
 * with the same result): a first sync checks 100 pages of 1,000 records, where the runtime parser cost
 * about as much as JSON.parse. Compiling costs a few milliseconds per schema, more than the runtime
 * parser spends on a small answer, so the others stay as they are (a CLI command checks a handful).
 */
const BULK = new Set<string>(['SyncResponse', 'RecordList', 'History', 'ExportResponse', 'ImportRequest', 'PushRequest', 'PushResponse', 'AdoptBatchRequest']);
const compiled = new Map<string, z.ZodType>();

/** The zod schema of that name. */
export function schemaOf(name: SchemaName): z.ZodType {
  let s = compiled.get(name);
  if (!s) {
    const schema = ALL[name] as z.ZodType | undefined;
    if (!schema || !BULK.has(name)) return schema as unknown as z.ZodType;
    s = z.compile(schema);
    compiled.set(name, s);
  }
  return s;
}
