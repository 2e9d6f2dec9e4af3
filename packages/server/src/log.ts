/** Logger settings: pino to stdout; never bodies, tokens or auth keys. */
import type { FastifyServerOptions } from 'fastify';

/** Paths pino replaces with "[redacted]" wherever a request object is logged. */
export const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'];

/** Fastify logger options for `safehold-server start` (level from SAFEHOLD_LOG_LEVEL, default info). */
export function loggerOptions(level = process.env['SAFEHOLD_LOG_LEVEL'] ?? 'info'): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Fastify's default request serializer logs method, url, host and address: no headers, no body.
  };
}

/** Per-request log lines (two per request at info) unless SAFEHOLD_LOG_REQUESTS=off: high request rates, or a proxy that logs them. */
export function requestLogging(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['SAFEHOLD_LOG_REQUESTS'] !== 'off';
}
