/**
 * The SDK's HTTP client for the Safehold API (node:http/https, so the CLI starts fast).
 * Maps transport failures and error bodies onto SafeholdError with the codes of spec §3.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { API_VERSION, SafeholdError, isErrorCode } from '@safehold/protocol';
import { fillPath, type EndpointDef, type ParamsOf, type RequestOf, type ResponseOf, type SchemaName, type WireOf as ProtocolWireOf } from '@safehold/protocol/endpoints';
import type * as Schemas from '@safehold/protocol/schemas';

/** The name of a wire schema (of `@safehold/protocol/api` or `transfer`). */
export type WireSchemaName = SchemaName;
/** What the schema of that name accepts. */
export type WireOf<K extends WireSchemaName> = ProtocolWireOf<K>;

let wire: Promise<typeof Schemas> | undefined;
/**
 * The wire schemas, loaded at the first answer that needs checking: zod costs more start-up time than
 * the rest of the CLI together, and an offline command (unlock, list, search) never needs it.
 */
function wireSchemas(): Promise<typeof Schemas> {
  wire ??= import('@safehold/protocol/schemas');
  return wire;
}

/** How the client reaches a server: which CAs it trusts, and whether plain HTTP to a remote host is allowed. */
export interface TransportOptions {
  /** A PEM file of one more CA to trust besides the system's (--ca-file / SAFEHOLD_CA_FILE). */
  caFile?: string | null;
  /** Allow http:// to a host that is not a loopback address (--insecure-http). */
  insecureHttp?: boolean;
}

/** True for 127.0.0.0/8, ::1 (and its IPv4-mapped forms) and the name localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^(0{1,4}:){7}0{0,3}1$/.test(h);
  return false;
}

/**
 * Refuses a server URL the client must not use: not http(s), or plain http:// to anything but a loopback
 * address without --insecure-http (the auth key and tokens would cross the network in clear). Usage error, exit 2.
 */
export function checkServerUrl(url: string, transport: TransportOptions = {}): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SafeholdError('bad_request', `not a server URL: ${url.slice(0, 200)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SafeholdError('bad_request', `server URL must start with http:// or https://: ${url.slice(0, 200)}`);
  }
  if (u.protocol === 'http:' && !transport.insecureHttp && !isLoopbackHost(u.hostname)) {
    throw new SafeholdError(
      'bad_request',
      `refusing plain http:// to ${u.host}: the auth key and session tokens would cross the network unencrypted; ` +
        'use https:// (with --ca-file for a private CA), or pass --insecure-http to accept the risk',
    );
  }
  return u;
}

/** The CA list for https: the system's plus the one of --ca-file, or undefined for the default store only. */
function trustedCas(caFile: string | null | undefined): string[] | undefined {
  if (!caFile) return undefined;
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (e) {
    throw new SafeholdError('bad_request', `cannot read the CA file ${caFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new SafeholdError('bad_request', `the CA file ${caFile} holds no PEM certificate`);
  return [...rootCertificates, pem];
}

/** TLS verification failures: the server is reachable but not who it claims (or not trusted). */
const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|HOSTNAME|ALTNAME/;

export interface ApiClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 (the /v1 prefix is added here). */
  baseUrl: string;
  token?: string | null;
  /** No connection within this time counts as unreachable (spec §3). */
  connectTimeoutMs?: number;
  /** Whole-request timeout once connected. */
  requestTimeoutMs?: number;
  /**
   * Called once when an authenticated request answers 401 `unauthorized` (token missing or expired):
   * returns a fresh token (the request is then retried once) or null to give up.
   */
  reauth?: () => Promise<string | null>;
  /** CA file and plain-HTTP policy (see checkServerUrl). */
  transport?: TransportOptions;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** The wire schema the answer must satisfy (by name: see wireSchemas). */
  schema?: WireSchemaName;
  /** Public endpoints: no Authorization header, no re-authentication. */
  anonymous?: boolean;
}

/** HTTP client for /v1 of the Safehold API. */
export class ApiClient {
  readonly baseUrl: string;
  private token: string | null;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly reauth: (() => Promise<string | null>) | undefined;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly isHttps: boolean;
  /** Requests not yet written to their socket (see whenSent). */
  private readonly unsent = new Set<Promise<void>>();

  constructor(opts: ApiClientOptions) {
    const u = checkServerUrl(opts.baseUrl, opts.transport);
    this.baseUrl = normalizeServerUrl(opts.baseUrl);
    this.token = opts.token ?? null;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 120_000;
    this.reauth = opts.reauth;
    this.isHttps = u.protocol === 'https:';
    // Keep-alive sockets are unref'd by node when idle, so they never hold the process open.
    const ca = this.isHttps ? trustedCas(opts.transport?.caFile) : undefined;
    this.agent = this.isHttps ? new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) }) : new HttpAgent({ keepAlive: true });
  }

  /** Replaces the bearer token (after a login). */
  setToken(token: string | null): void {
    this.token = token;
  }

  /** The current bearer token, if any. */
  getToken(): string | null {
    return this.token;
  }

  /**
   * Calls one endpoint of the table (`ENDPOINTS` of @safehold/protocol/endpoints): fills its path parameters,
   * sends `request` as the body (or, for an endpoint with a query schema, as the query) and checks the answer
   * with the endpoint's schema. Public and device-signed endpoints go without the session token.
   */
  async call<E extends EndpointDef>(ep: E, params: ParamsOf<E>, ...request: RequestOf<E> extends undefined ? [] : [RequestOf<E>]): Promise<ResponseOf<E>> {
    const path = fillPath(ep.path, params as Readonly<Record<string, string>>);
    const input = request[0] as unknown;
    const opts: RequestOptions & { schema: SchemaName } = { schema: ep.response, anonymous: ep.auth === 'none' || ep.auth === 'device' };
    if (ep.query) opts.query = input as RequestOptions['query'];
    else if (input !== undefined) opts.body = input;
    return (await this.request(ep.method, path, opts)) as ResponseOf<E>;
  }

  /** Sends one request to /v1`path` and returns the parsed (and, with `schema`, validated) answer. */
  async request<K extends WireSchemaName>(method: string, path: string, opts: RequestOptions & { schema: K }): Promise<WireOf<K>>;
  async request(method: string, path: string, opts?: RequestOptions & { schema?: undefined }): Promise<unknown>;
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<unknown> {
    if (!opts.anonymous && this.token === null && this.reauth) {
      const t = await this.reauth();
      if (t) this.token = t;
    }
    try {
      return await this.once(method, path, opts);
    } catch (e) {
      if (!opts.anonymous && this.reauth && e instanceof SafeholdError && e.code === 'unauthorized') {
        const t = await this.reauth();
        if (t) {
          this.token = t;
          return await this.once(method, path, opts);
        }
      }
      throw e;
    }
  }

  /**
   * Settles once every request started so far has been handed to the OS (or has failed): what follows
   * then runs while the server works on them. A new connection takes a turn or two of the event loop.
   */
  whenSent(): Promise<void> {
    return Promise.all(this.unsent).then(() => undefined);
  }

  /** Readies the check of an endpoint's answer (its schema compiled) ahead of the answer, while the server works. */
  async prepareAnswer(ep: EndpointDef): Promise<void> {
    (await wireSchemas()).schemaOf(ep.response);
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private async once(method: string, path: string, opts: RequestOptions): Promise<unknown> {
    const url = new URL(`${this.baseUrl}/${API_VERSION}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.byteLength);
    }
    if (!opts.anonymous && this.token) headers.authorization = `Bearer ${this.token}`;
    const { status, text } = await this.send(method, url, headers, payload);
    let json: unknown = undefined;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (status >= 400) throw errorFromResponse(status, json);
    if (!opts.schema) return json;
    const schema = (await wireSchemas()).schemaOf(opts.schema);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new SafeholdError('server_error', `the server sent an answer of unexpected shape for ${method} ${path}`);
    }
    return parsed.data;
  }

  private send(method: string, url: URL, headers: Record<string, string>, payload: Buffer | undefined): Promise<{ status: number; text: string }> {
    const doRequest = this.isHttps ? httpsRequest : httpRequest;
    const where = this.baseUrl;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: SafeholdError): void => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      const req = doRequest(url, { method, headers, agent: this.agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => fail(new SafeholdError('unreachable', `connection to ${where} broke off`)));
        res.on('end', () => {
          clearTimeout(connectTimer);
          const status = res.statusCode ?? 0;
          if (status === 502 || status === 503 || status === 504) {
            fail(new SafeholdError('unreachable', `the server at ${where} is unreachable (HTTP ${status})`));
            return;
          }
          if (settled) return;
          settled = true;
          resolve({ status, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      const connectTimer = setTimeout(() => {
        fail(new SafeholdError('unreachable', `no connection to ${where} within ${Math.round(this.connectTimeoutMs / 1000)} s`));
        req.destroy();
      }, this.connectTimeoutMs);
      req.on('socket', (sock) => {
        // A reused keep-alive socket is already connected.
        if (!sock.connecting) clearTimeout(connectTimer);
        else sock.once('connect', () => clearTimeout(connectTimer));
      });
      req.setTimeout(this.requestTimeoutMs, () => {
        fail(new SafeholdError('unreachable', `the server at ${where} did not answer in time`));
        req.destroy();
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        if (e.code && TLS_ERRORS.test(e.code)) {
          fail(
            new SafeholdError(
              'integrity',
              `the TLS certificate of ${where} is not trusted (${e.code}): for a private CA or a self-signed certificate, give it with --ca-file FILE or SAFEHOLD_CA_FILE`,
            ),
          );
          return;
        }
        fail(new SafeholdError('unreachable', `cannot reach the server at ${where}${e.code ? ` (${e.code})` : ''}`));
      });
      const sent: Promise<void> = new Promise<void>((done) => {
        req.once('finish', done);
        req.once('close', done);
      }).then(() => {
        this.unsent.delete(sent);
      });
      this.unsent.add(sent);
      if (payload) req.end(payload);
      else req.end();
    });
  }
}

/** Canonical form of a server URL (no trailing slash), used as the account key. */
export function normalizeServerUrl(s: string): string {
  const u = new URL(s);
  return (u.origin + u.pathname).replace(/\/+$/, '');
}

function errorFromResponse(status: number, json: unknown): SafeholdError {
  const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const message = typeof err?.message === 'string' ? err.message : `HTTP ${status}`;
  if (err && isErrorCode(err.code)) return new SafeholdError(err.code, message);
  if (status >= 500) return new SafeholdError('server_error', `the server failed (HTTP ${status}): ${message}`);
  if (status === 404) return new SafeholdError('not_found', message);
  if (status === 401) return new SafeholdError('unauthorized', message);
  if (status === 403) return new SafeholdError('forbidden', message);
  if (status === 409) return new SafeholdError('conflict', message);
  return new SafeholdError('bad_request', message);
}
