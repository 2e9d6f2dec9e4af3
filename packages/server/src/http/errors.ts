/**
 * Turns anything thrown by a route into the wire error shape `{"error":{"code","message"}}`.
 * Unexpected errors become 500 internal and are logged without request bodies.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SafeholdError, type ErrorBody } from '@safehold/protocol';

export function toSafeholdError(err: unknown): { error: SafeholdError; unexpected: boolean } {
  if (err instanceof SafeholdError) return { error: err, unexpected: false };
  const fe = err as Partial<FastifyError> & { name?: string };
  if (fe && fe.name === 'ZodError') return { error: new SafeholdError('bad_request', 'invalid request'), unexpected: false };
  if (fe && typeof fe.statusCode === 'number') {
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.statusCode === 413) {
      return { error: new SafeholdError('payload_too_large', 'request body too large'), unexpected: false };
    }
    if (fe.statusCode === 404) return { error: new SafeholdError('not_found', 'not found'), unexpected: false };
    if (fe.statusCode >= 400 && fe.statusCode < 500) {
      // Malformed JSON, wrong content type, empty body...: fastify's message names the problem, not the content.
      return { error: new SafeholdError('bad_request', fe.message ? `bad request: ${fe.message}` : 'bad request'), unexpected: false };
    }
  }
  return { error: new SafeholdError('internal', 'internal server error'), unexpected: true };
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { error, unexpected } = toSafeholdError(err);
  if (unexpected) {
    const e = err as Error;
    req.log.error({ err: { type: e?.name, message: e?.message, stack: e?.stack } }, 'unexpected error');
  }
  const retry = error.details?.['retryAfterSeconds'];
  if (error.code === 'rate_limited' && typeof retry === 'number') reply.header('retry-after', String(retry));
  const body: ErrorBody = error.toBody();
  return reply.status(error.status).send(body);
}

/**
 * Errors fastify raises before routing (issue 17, found by the HTTP fuzzing): a path that is no valid
 * percent-encoding answers 400, a path parameter past fastify's length limit 404 (no id or name is that
 * long: like any malformed id). Fastify's own answer had its own shape and echoed the whole path.
 */
export function frameworkErrorHandler(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new SafeholdError('not_found', 'not found') : new SafeholdError('bad_request', 'malformed URL');
  return reply.status(error.status).send(error.toBody());
}

export function notFoundHandler(_req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.status(404).send(new SafeholdError('not_found', 'no such endpoint').toBody());
}

/**
 * Requests Node's HTTP parser refuses before fastify sees them (headers or URL too large, malformed
 * request line) get the same error shape. Unlike fastify's default, nothing is logged: the parser's
 * error carries the raw request bytes, bearer token included.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new SafeholdError('payload_too_large', 'request line or headers too large')
      : new SafeholdError('bad_request', 'malformed HTTP request');
  if (socket.writable) {
    const body = JSON.stringify(error.toBody());
    socket.write(
      `HTTP/1.1 ${error.status} ${error.status === 413 ? 'Payload Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
