/** Signing in on a device whose copy of the wrapped user key predates a `passwd` made elsewhere (12.11). */
import { SafeholdError } from '@safehold/protocol';
import type { Session } from '@safehold/protocol/api';
import { ApiClient } from './http.js';
import type { AccountFile } from './home.js';
import { acceptServerKey } from './serverkey.js';
import { accountTransport, postLogin, type SessionOptions } from './sessionkeys.js';
import { constantTimeEqual, derive, fromB64, kdfFromWire, openPrivateKey, openUserKey, zero } from './keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

/**
 * 12.11: after `passwd` on another device, this device's copy of the wrapped user key is the old one. When the
 * local unlock fails and the server answers other key-derivation parameters, the password is tried there: a
 * successful login brings the new wrapping, which must open this account's own private key (the user key is the
 * same). Then the account file is updated. Null when it is simply the wrong password, or the server is unreachable.
 */
export async function passwordChangedElsewhere(
  opts: SessionOptions,
  account: AccountFile,
  password: string,
): Promise<{ userKey: Uint8Array; authKey: Uint8Array; session: Session } | null> {
  const api = new ApiClient({ baseUrl: account.server, transport: accountTransport(opts, account), ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
  try {
    const pre = await api.call(E.prelogin, {}, { user: account.user });
    if (JSON.stringify(pre.kdf) === JSON.stringify(account.kdf)) return null;
    const { authKey, kek } = await derive(password, kdfFromWire(pre.kdf));
    let session: Session;
    try {
      session = await postLogin(api, account.user, authKey, opts.home.device(), account.deviceKey?.publicKey);
    } catch (e) {
      zero(authKey, kek);
      if (e instanceof SafeholdError && e.code !== 'bad_credentials' && e.code !== 'unreachable') throw e;
      return null;
    }
    const userKey = openUserKey(kek, { user: account.user, userKeyEnc: session.userKeyEnc });
    zero(kek);
    if (!userKey) throw new SafeholdError('integrity', 'your user key failed integrity check: the server sent data that was tampered with or corrupted');
    if (!constantTimeEqual(fromB64(session.signingPublicKey), fromB64(account.signingPublicKey))) {
      await acceptServerKey({ api, home: opts.home, account, userKey, deviceId: opts.home.device().id, presented: session.signingPublicKey, ...(opts.events ? { events: opts.events } : {}) });
    }
    zero(openPrivateKey(userKey, account)); // the same user key: it opens our own private key
    account.kdf = session.kdf;
    account.userKeyEnc = session.userKeyEnc;
    opts.home.writeAccount(account);
    opts.events?.notice('your master password was changed on another device: this device now uses the new one');
    return { userKey, authKey, session };
  } catch (e) {
    if (e instanceof SafeholdError && e.code === 'unreachable') return null;
    throw e;
  } finally {
    api.close();
  }
}

