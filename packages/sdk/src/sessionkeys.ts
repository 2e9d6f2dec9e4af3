/**
 * The steps of a session that several modules share: options and the login request. Kept apart from
 * session.ts so that passwdelsewhere.ts can use them without a cycle. The key steps are the key service's.
 */
import type { Session } from '@safehold/protocol/api';
import { toB64 } from './keys/index.js';
import type { SafeholdEvents } from './events.js';
import type { ApiClient, TransportOptions } from './http.js';
import type { AccountFile, Home } from './home.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
export type PasswordPrompt = (purpose: 'current' | 'new') => Promise<string>;

/** What picks and opens an account. */
export interface SessionOptions {
  home: Home;
  /** --server (any form; normalized here). */
  server?: string | null;
  /** --user */
  user?: string | null;
  /** --db */
  db?: string | null;
  password: PasswordPrompt;
  /** The SAFEHOLD_SESSION key (base64url), if set. */
  sessionKey?: string | null;
  events?: SafeholdEvents;
  clock?: () => number;
  connectTimeoutMs?: number;
  /** --ca-file / SAFEHOLD_CA_FILE and --insecure-http. */
  transport?: TransportOptions;
}

/** The transport of an account: the options given, plus the --insecure-http choice recorded at register/login. */
export function accountTransport(opts: SessionOptions, account: Pick<AccountFile, 'insecureHttp'>): TransportOptions {
  return { ...(opts.transport ?? {}), insecureHttp: opts.transport?.insecureHttp === true || account.insecureHttp === true };
}

/** The login request (anonymous: the auth key is the credential). */
export async function postLogin(api: ApiClient, user: string, authKey: Uint8Array, device: { id: string; name: string }, devicePublicKey?: string): Promise<Session> {
  const dev = devicePublicKey ? { id: device.id, name: device.name, publicKey: devicePublicKey } : { id: device.id, name: device.name };
  return api.call(E.login, {}, { user, authKey: toB64(authKey), device: dev });
}
