/**
 * The device key (issue 12.4): an Ed25519 key pair per account on this device, made at register or
 * login (existing accounts: at their next sync, registered with PUT /v1/me/device-key). Its private
 * key is stored wrapped by the user key, never in plain. It signs the requests that fetch and
 * acknowledge wipe orders, which need no session: a revoked device or a removed user has none.
 */
import { SafeholdError, deviceRequestMessage } from '@safehold/protocol';
import type { DeviceSigned } from '@safehold/protocol/api';
import type { ClientContext } from './context.js';
import type { AccountFile, StoredDeviceKey } from './home.js';
import { newWrappedDeviceKey, pendingDeviceKey, signWithDeviceKey } from './keys/index.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

export type { StoredDeviceKey } from './home.js';

/** A fresh device key for `account`, wrapped by the user key. */
export function newDeviceKey(userKey: Uint8Array, account: Pick<AccountFile, 'server' | 'user'>): StoredDeviceKey {
  return { ...newWrappedDeviceKey(userKey, account.server, account.user), registered: false };
}

/** Signs a device request (orderId null: fetch the orders; else acknowledge that order). */
export function signDeviceRequest(ctx: Pick<ClientContext, 'accountFile' | 'keyring' | 'device' | 'clock'>, orderId: string | null): DeviceSigned {
  const dk = ctx.accountFile.deviceKey;
  if (!dk) throw new SafeholdError('unauthorized', 'this device has no device key for this account yet');
  const user = ctx.accountFile.user;
  const at = new Date(ctx.clock()).toISOString();
  const message = deviceRequestMessage({ device: ctx.device.id, user, at, orderId });
  return { user, at, signature: signWithDeviceKey(ctx.keyring.userKey, dk, ctx.accountFile.server, user, message) };
}

/** Makes sure the server holds this device's key (existing accounts get theirs here); failures only warn. */
export async function ensureDeviceKey(ctx: ClientContext): Promise<void> {
  const a = ctx.accountFile;
  if (a.deviceKey?.registered) return;
  a.deviceKey ??= newDeviceKey(ctx.keyring.userKey, a);
  ctx.home.writeAccount(a);
  try {
    await ctx.api.call(E.setDeviceKey, {}, { publicKey: a.deviceKey.publicKey });
    a.deviceKey.registered = true;
    ctx.home.writeAccount(a);
  } catch (e) {
    // A conflict means the server holds another key for this device: the next login replaces it.
    if (e instanceof SafeholdError && e.code === 'conflict') {
      ctx.events.warning('the server holds another device key for this device; log in again to replace it');
    } else {
      throw e;
    }
  }
}

/** A device key made before the login that registers it; wrapped by the user key once the login answer opens it. */
export function generateSigningKeyPairForLogin(): { publicKeyB64: string; wrap(userKey: Uint8Array, server: string, user: string): StoredDeviceKey } {
  const pending = pendingDeviceKey();
  return { publicKeyB64: pending.publicKeyB64, wrap: (userKey, server, user) => ({ ...pending.wrap(userKey, server, user), registered: true }) };
}
