/**
 * Route registration from the endpoint table of @safehold/protocol: method and path come from the entry,
 * and its input is checked in one fixed order before the handler runs: caller (401/404), query, path
 * parameters, body (400). No route file spells a path or a method.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { EndpointDef, ParsedRequestOf, ResponseOf } from '@safehold/protocol/endpoints';
import { schemaOf } from '@safehold/protocol/schemas';
import type { AppDeps } from './deps.js';
import type { Caller } from '../caller.js';
import { requireAuthWithToken } from './auth.js';
import { callerIn, type ScopedRequest } from './caller.js';
import { noBody, noQuery, parse } from './validate.js';
import { V1 } from './paths.js';

/** Who called, by the entry's `auth`: the member's caller, the session's caller, or nobody yet. */
export type CallerOf<E extends EndpointDef> = E['auth'] extends 'member' ? ScopedRequest : E['auth'] extends 'session' ? Caller : undefined;

export interface RouteContext<E extends EndpointDef, P> {
  req: FastifyRequest;
  caller: CallerOf<E>;
  /** The session's token hash (session endpoints only; logout ends that session). */
  tokenHash: string | undefined;
  /** The parsed body, or for an entry with a query schema the parsed query. */
  input: ParsedRequestOf<E>;
  params: P;
}

export interface RouteOptions<P> {
  /** The path parameters' schema (strict ones answer 400; leave out to read them in the handler). */
  params?: z.ZodType<P>;
}

/** The full path of an entry as fastify registers it. */
export function routePath(ep: EndpointDef): string {
  return `${V1}${ep.path}`;
}

/** Registers the handler of one endpoint table entry. */
export function route<E extends EndpointDef, P = undefined>(
  app: FastifyInstance,
  deps: AppDeps,
  ep: E,
  handler: (ctx: RouteContext<E, P>) => Promise<ResponseOf<E>>,
  opts: RouteOptions<P> = {},
): void {
  app.route({
    method: ep.method,
    url: routePath(ep),
    handler: async (req) => {
      const who = await authenticate(req, deps, ep);
      let input: unknown = undefined;
      if (!ep.unchecked && ep.query) input = parse(schemaOf(ep.query), req.query, 'query');
      else if (!ep.unchecked) noQuery(req);
      const params = (opts.params ? parse(opts.params, req.params, 'params') : undefined) as P;
      if (!ep.unchecked && ep.body) input = parse(schemaOf(ep.body), ep.optionalBody && req.body === undefined ? {} : req.body);
      else if (!ep.unchecked) noBody(req);
      const ctx = { req, caller: who.caller, tokenHash: who.tokenHash, input, params } as RouteContext<E, P>;
      return handler(ctx);
    },
  });
}

async function authenticate(req: FastifyRequest, deps: AppDeps, ep: EndpointDef): Promise<{ caller: unknown; tokenHash: string | undefined }> {
  if (ep.auth === 'member') return { caller: await callerIn(req, deps), tokenHash: undefined };
  if (ep.auth !== 'session') return { caller: undefined, tokenHash: undefined };
  const { tokenHash, ...auth } = await requireAuthWithToken(req, deps);
  return { caller: auth, tokenHash };
}
