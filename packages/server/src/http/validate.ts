/** Input validation at the HTTP edge: every body, query and param goes through a zod schema of @safehold/protocol. */
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { SafeholdError } from '@safehold/protocol';

/**
 * Parses `value` with `schema`; a mismatch throws SafeholdError('bad_request') naming the fields (never their values).
 * `where` names the part of the request in the message ('body', 'query', 'params').
 */
export function parse<T>(schema: z.ZodType<T>, value: unknown, where = 'body'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 5).map((i) => {
    const at = i.path.length ? i.path.map(String).join('.') : where;
    // zod's messages describe the expectation, not the received value; unknown keys are named (they are field names).
    return `${at}: ${i.message}`;
  });
  throw new SafeholdError('bad_request', `invalid request: ${issues.join('; ')}`);
}

const NoQuery = z.object({}).strict();
// An empty JSON object is "nothing" too: clients that always send a body stay compatible.
const NoBody = z.object({}).strict().optional();

/** For routes without query parameters: any parameter is an unknown field (400). */
export function noQuery(req: FastifyRequest): void {
  parse(NoQuery, req.query, 'query');
}

/** For routes without a body: any field sent is an unknown field (400). */
export function noBody(req: FastifyRequest): void {
  parse(NoBody, req.body);
}

/** For routes that take neither a query nor a body. */
export function noInput(req: FastifyRequest): void {
  noQuery(req);
  noBody(req);
}
