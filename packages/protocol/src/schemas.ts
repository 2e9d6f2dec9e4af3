/** The wire schemas by name (the names the endpoint table uses): both schema modules in one lookup. */
import type { z } from 'zod';
import * as Api from './api.js';
import * as Transfer from './transfer.js';
import type { SchemaName } from './endpoints.js';

const ALL: Record<string, unknown> = { ...Api, ...Transfer };

/** The zod schema of that name. */
export function schemaOf(name: SchemaName): z.ZodType {
  return ALL[name] as z.ZodType;
}
