/** The client context every SDK operation runs in: one unlocked account of one home (device). */
import { SafeholdError, asDatabaseId, type DatabaseId } from '@safehold/protocol';
import type { DeviceInfo } from '@safehold/protocol/api';
import type { ApiClient } from './http.js';
import type { SafeholdEvents } from './events.js';
import type { AccountFile, Home } from './home.js';
import type { Keyring } from './keys/index.js';

/** Which account and database a context works on. */
export interface AccountRef {
  /** Normalized server URL. */
  server: string;
  user: string;
  /** The database in use (from --db, `safehold use`, or the only one); null when none could be picked. */
  db: string | null;
}

/** Secret material of the session besides the keyring; zeroed on lock. */
export interface SessionSecrets {
  /** The auth key (re-login when the token expires); null when not available. */
  authKey: Uint8Array | null;
  /** The SAFEHOLD_SESSION key this context was opened with, if any. */
  sessionKey: Uint8Array | null;
}

/** An unlocked account: keys, HTTP client, events and the home it lives in. */
export interface ClientContext {
  home: Home;
  account: AccountRef;
  /** The account's local file (wrapped keys, pinned keys); write it back with `home.writeAccount`. */
  accountFile: AccountFile;
  device: DeviceInfo;
  api: ApiClient;
  keyring: Keyring;
  events: SafeholdEvents;
  secrets: SessionSecrets;
  /** Epoch milliseconds (injected for tests). */
  clock: () => number;
}

/** The context's database, or a usage error telling how to pick one. */
export function requireDb(ctx: Pick<ClientContext, 'account' | 'accountFile'>): DatabaseId {
  if (ctx.account.db) return asDatabaseId(ctx.account.db);
  const names = ctx.accountFile.databases.map((d) => d.name);
  throw new SafeholdError(
    'bad_request',
    names.length === 0
      ? `user ${ctx.account.user} is not a member of any database`
      : `pick a database with --db NAME or \`safehold use NAME\` (yours: ${names.join(', ')})`,
  );
}

/** Forgets the unlocked keys of a context (lock). */
export function zeroContext(ctx: ClientContext): void {
  ctx.keyring.zero();
  ctx.secrets.authKey?.fill(0);
  ctx.secrets.sessionKey?.fill(0);
  ctx.api.close();
}
