/** Operations on an open session: unlock/lock (SAFEHOLD_SESSION), logout, passwd, `use DB`. */
import { accountPending, refuseIfPending } from './offline/manage.js';
import { SafeholdError } from '@safehold/protocol';
import { constantTimeEqual, sealSessionCopy, toB64, unlockWithPassword, wrapUserKeyForPassword, zero } from './keys/index.js';
import type { ClientContext } from './context.js';
import type { AccountFile, Home } from './home.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/** Stores the user key (and auth key) under a fresh session key and returns that key for SAFEHOLD_SESSION. */
export function unlock(ctx: ClientContext): string {
  const a = ctx.accountFile;
  const { enc, sessionKey } = sealSessionCopy(ctx.keyring.userKey, ctx.secrets.authKey, a.server, a.user);
  ctx.home.writeUnlock(a.server, a.user, { enc });
  return sessionKey;
}

/** Forgets the stored session copy of the keys: SAFEHOLD_SESSION no longer unlocks anything. */
export function lock(home: Home, account: { server: string; user: string }): void {
  home.removeUnlock(account.server, account.user);
}

/** Ends the server session and forgets the token and the session copy of the keys on this device. */
export async function logout(ctx: ClientContext, opts: { force?: boolean } = {}): Promise<void> {
  const a = ctx.accountFile;
  // E5: queued offline changes are pushed with this account's session; logging out strands them.
  const pending = accountPending(ctx.home, a.server, a.user, ctx.device.id);
  refuseIfPending(pending, 'logging out', opts.force === true);
  if (pending > 0) ctx.events.warning(`${pending} offline change(s) stay queued and unpushed until this account logs in and syncs again`);
  if (ctx.api.getToken()) {
    try {
      await ctx.api.call(E.logout, {});
    } catch (e) {
      if (!(e instanceof SafeholdError)) throw e;
      if (e.code === 'unreachable') ctx.events.warning(`${e.message}: the server session ends when it expires; this device forgot it`);
      else if (e.code !== 'unauthorized' && e.code !== 'device_revoked') throw e;
    }
  }
  ctx.home.removeToken(a.server, a.user);
  ctx.home.removeUnlock(a.server, a.user);
}

/** Changes the master password: re-wraps the user key under a new KEK with a new salt; nothing else changes. */
export async function changePassword(ctx: ClientContext, currentPassword: string | null, newPassword: string): Promise<void> {
  const a = ctx.accountFile;
  let currentAuthKey = ctx.secrets.authKey;
  if (currentPassword !== null) {
    const opened = await unlockWithPassword(currentPassword, a.kdf, a);
    if (!opened || !constantTimeEqual(opened.userKey, ctx.keyring.userKey)) {
      if (opened) zero(opened.authKey, opened.userKey);
      throw new SafeholdError('bad_credentials', 'wrong master password');
    }
    zero(opened.userKey);
    currentAuthKey = opened.authKey;
  }
  if (!currentAuthKey) throw new SafeholdError('bad_credentials', 'the current master password is needed');
  if (newPassword.length === 0) throw new SafeholdError('bad_request', 'the new master password is empty');
  const { kdf, authKey, userKeyEnc } = await wrapUserKeyForPassword(ctx.keyring.userKey, a.user, newPassword);
  await ctx.api.call(E.changePassword, {}, { currentAuthKey: toB64(currentAuthKey), authKey: toB64(authKey), kdf, userKeyEnc });
  a.kdf = kdf;
  a.userKeyEnc = userKeyEnc;
  ctx.home.writeAccount(a);
  if (ctx.secrets.authKey && ctx.secrets.authKey !== currentAuthKey) zero(ctx.secrets.authKey);
  if (currentAuthKey !== ctx.secrets.authKey) zero(currentAuthKey);
  ctx.secrets.authKey = authKey;
  // A stored session copy holds the old auth key: drop it (unlock again for a new SAFEHOLD_SESSION).
  ctx.home.removeUnlock(a.server, a.user);
}

/** Picks the database later commands use (`safehold use DB`); needs no unlock. */
export function useDatabase(home: Home, account: AccountFile, db: string): void {
  if (account.databases.length > 0 && !account.databases.some((d) => d.name === db)) {
    throw new SafeholdError('not_found', `database ${db} not found (yours: ${account.databases.map((d) => d.name).join(', ')})`);
  }
  account.db = db;
  home.writeAccount(account);
}
