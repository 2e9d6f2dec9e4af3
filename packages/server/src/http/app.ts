/** The HTTP application: fastify with Safehold's error shape, body limit and routes. No state beyond `deps`. */
import type { Server as HttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyHttpsOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { MAX_BODY_BYTES } from '@safehold/protocol/api';
import { SafeholdError } from '@safehold/protocol';
import type { RateLimits } from '../config.js';
import type { AppDeps } from './deps.js';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler } from './errors.js';
import { registerRoutes } from './routes/index.js';
import { composeServices } from './services.js';

export type { AppDeps, RateLimits };


export interface BuildAppOptions {
  /** false (default) for silence, true or pino options for logs. */
  logger?: boolean | object;
  /** Trust X-Forwarded-For from a reverse proxy for the client address (rate limits, audit). Default false. */
  trustProxy?: boolean | string | string[];
  /** Serve HTTPS with this certificate chain and private key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** false: no "incoming request"/"request completed" lines (SAFEHOLD_LOG_REQUESTS=off); default true. */
  requestLogging?: boolean;
}

export async function buildApp(deps: AppDeps, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const options: FastifyServerOptions = {
    logger: (opts.logger ?? false) as FastifyServerOptions['logger'],
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: opts.trustProxy ?? false,
    ...(opts.requestLogging === false ? { logController: new LogController({ disableRequestLogging: true }) } : {}),
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // Routes stay case-sensitive and exact (fastify's defaults): ids are base64url.
  };
  // With TLS fastify's instance type carries an https.Server; the routes only use what both have in common.
  const app: FastifyInstance = opts.tls
    ? (Fastify({ ...(options as FastifyHttpsOptions<HttpsServer>), https: { cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' } }) as unknown as FastifyInstance)
    : Fastify(options);
  // JSON bodies only; an empty body (e.g. a POST /logout sent with a JSON content type) is "no body".
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => {
    const s = typeof body === 'string' ? body : body.toString('utf8');
    if (s.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(s) as unknown);
    } catch {
      done(new SafeholdError('bad_request', 'request body is not valid JSON'), undefined);
    }
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // Answers are never cached by intermediaries: they carry ciphertext and session-bound data.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });
  registerRoutes(app, deps, composeServices(deps));
  await app.ready();
  return app;
}
