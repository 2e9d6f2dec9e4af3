/**
 * The pinned server signing key and its rotation (issue 12.10): a client accepts a new server key only through
 * an unbroken chain of rotation statements, each signed by the key before it, starting at the key it pinned.
 * On acceptance the account re-pins the key, and the offline databases of this device are re-bound to it.
 */
import { SafeholdError } from '@safehold/protocol';
import { readSidecar, writeSidecar } from '@safehold/store';
import { fingerprint, fromB64, unwrapFileKey, verifyText, wrapFileKey } from './keys/index.js';
import type { ApiClient } from './http.js';
import type { AccountFile, Home } from './home.js';
import { locate } from './offline/locate.js';
import type { SafeholdEvents } from './events.js';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';

const ROTATION_KIND = 'safehold-server-key-rotation';

/**
 * Follows `rotations` from `pinned`; true when it reaches `presented` with every step signed by the key before it.
 * Statements that do not verify are skipped (a forged one cannot extend the chain).
 */
export function rotationChainReaches(pinned: string, presented: string, rotations: ReadonlyArray<{ payload: string; signature: string }>): boolean {
  let current = pinned;
  const seen = new Set<string>([current]);
  for (let progress = true; progress && current !== presented; ) {
    progress = false;
    for (const r of rotations) {
      let p: { kind?: unknown; previous?: unknown; next?: unknown };
      try {
        p = JSON.parse(r.payload) as typeof p;
      } catch {
        continue;
      }
      if (p.kind !== ROTATION_KIND || p.previous !== current || typeof p.next !== 'string' || seen.has(p.next)) continue;
      if (!verifyText(current, r.payload, r.signature)) continue;
      current = p.next;
      seen.add(current);
      progress = true;
      break;
    }
  }
  return current === presented;
}

export interface AcceptKeyArgs {
  api: ApiClient;
  home: Home;
  account: AccountFile;
  userKey: Uint8Array;
  deviceId: string;
  /** The key the server now presents (a login answer), or null to take the one of GET /server-key. */
  presented: string | null;
  events?: SafeholdEvents;
}

/**
 * Checks the server's current key against the pinned one; a different key is accepted only through the signed
 * rotation chain (then re-pinned, offline databases re-bound, notice emitted), else refused as `integrity`.
 * Returns true when the pinned key changed.
 */
export async function acceptServerKey(a: AcceptKeyArgs): Promise<boolean> {
  const pinned = a.account.signingPublicKey;
  if (a.presented === pinned) return false;
  const res = await a.api.call(E.serverKey, {});
  const current = res.signingPublicKey;
  if (a.presented !== null && a.presented !== current) {
    throw new SafeholdError('integrity', `the server presented two different signing keys: refusing to trust ${a.account.server}`);
  }
  if (current === pinned) return false;
  if (!rotationChainReaches(pinned, current, res.rotations ?? [])) {
    throw new SafeholdError(
      'integrity',
      `the server's signing key changed since it was pinned (pinned ${fingerprint(fromB64(pinned))}, now ${fingerprint(fromB64(current))}) ` +
        `and the old key does not sign the new one: refusing to trust ${a.account.server}`,
    );
  }
  rebindOffline(a, pinned, current);
  a.account.signingPublicKey = current;
  a.home.writeAccount(a.account);
  a.events?.notice(`the server rotated its signing key (signed by the pinned one): now pinned ${fingerprint(fromB64(current))}`);
  return true;
}

/** Re-wraps the file key of each offline database of this account on this device under the new pinned key. */
function rebindOffline(a: AcceptKeyArgs, from: string, to: string): void {
  for (const d of a.account.databases) {
    const t = locate(a.home, a.account.server, a.account.user, d.name, a.deviceId);
    const sc = readSidecar(t.paths.sidecar);
    if (!sc || sc.signingPublicKey !== from) continue;
    const fileKey = unwrapFileKey(a.userKey, sc);
    try {
      writeSidecar(t.paths.sidecar, { ...sc, signingPublicKey: to, fileKeyEnc: wrapFileKey(a.userKey, fileKey, sc, to) });
    } finally {
      fileKey.fill(0);
    }
  }
}
