/** The lease of every page: verified against the pinned server key, following a signed key rotation (12.10). */
import { verifyLease } from '@safehold/domain';
import { SafeholdError } from '@safehold/protocol';
import type { LeasePayload } from '@safehold/protocol/api';
import { readSidecar } from '@safehold/store';
import { acceptServerKey } from '../../serverkey.js';
import { fromB64, verifySignature } from '../../keys/index.js';
import type { RunState } from './state.js';

/** A failed look-up of the server key (not found, unreachable) leaves the lease refused; a refused rotation is thrown. */
function keepRefusal(e: unknown): false {
  if (e instanceof SafeholdError && e.code === 'integrity') throw e;
  return false;
}

/** The page's lease, verified; refused (integrity) when not signed by the pinned key. */
export async function checkLease(s: RunState, signed: { payload: string; signature: string }): Promise<LeasePayload> {
  const { server, user, device } = s.target.ident;
  const a = s.ctx.accountFile;
  const expected = { user, device, db: s.db, ...(a.serverId ? { server: a.serverId } : {}) };
  let c = verifyLease(signed, fromB64(s.pinned), verifySignature, expected);
  if (!c.ok && c.why === 'bad_signature' && (await followKeyRotation(s).catch(keepRefusal))) {
    c = verifyLease(signed, fromB64(s.pinned), verifySignature, expected);
  }
  if (c.ok && !a.serverId) {
    // Accounts registered before the server id was published pin it at their first lease.
    a.serverId = c.lease.server;
    s.ctx.home.writeAccount(a);
  }
  if (!c.ok) {
    throw new SafeholdError('integrity', `the sync answer's lease is not validly signed by the pinned server key for ${user} (${c.why}): nothing applied`, { server });
  }
  return c.lease;
}

/**
 * A lease that does not verify may be signed by a rotated server key: accepted only through the signed
 * rotation chain (12.10), which also re-binds the sidecar on disk; a key that the pinned one does not sign is
 * refused (integrity). True when the pinned key changed.
 */
async function followKeyRotation(s: RunState): Promise<boolean> {
  const { ctx } = s;
  const a = ctx.accountFile;
  if (s.pinned !== a.signingPublicKey) return false;
  const changed = await acceptServerKey({ api: ctx.api, home: ctx.home, account: a, userKey: ctx.keyring.userKey, deviceId: ctx.device.id, presented: null, events: ctx.events });
  if (!changed) return false;
  s.pinned = a.signingPublicKey;
  if (s.sidecar) s.sidecar = readSidecar(s.target.paths.sidecar);
  return true;
}
