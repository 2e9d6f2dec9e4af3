/**
 * Offline unlock: open the offline database with the user key (from the unlocked context, or derived
 * from the master password through the sidecar with no server), verify the stored lease against the
 * pinned server key, enforce expiry and the clock rule (E1), and throttle repeated wrong passwords.
 */
import { checkOfflineUse, verifyLease, wipeReasonText } from '@safehold/domain';
import { SafeholdError } from '@safehold/protocol';
import type { LeasePayload } from '@safehold/protocol/api';
import type { OfflineStore, Sidecar } from '@safehold/store';
import type { Home } from '../home.js';
import { requireDb, type ClientContext } from '../context.js';
import { locate, tombstoneOf, type OfflineTarget } from './locate.js';
import { checkThrottle, noteUnlock } from './throttle.js';
import { fromB64, unlockWithPassword, unwrapFileKey, verifySignature, zero } from '../keys/index.js';

export interface OfflineUnlockArgs {
  home: Home;
  server: string;
  user: string;
  db: string;
  device: string;
  /** The user key when the account is already unlocked; otherwise `password` is used. */
  userKey?: Uint8Array;
  password?: string;
  /** The account's pinned server key, when known: must equal the sidecar's. */
  pinnedKey?: string;
  clock: () => number;
}

/** An opened offline database, ready for reading. `close()` zeroes the key copy. */
export interface OfflineSession {
  target: OfflineTarget;
  store: OfflineStore;
  sidecar: Sidecar;
  lease: LeasePayload;
  userKey: Uint8Array;
  close(): void;
}

/** Throws offline_wiped (with why) when a wipe left its tombstone and no database exists. */
export function assertNotWiped(target: OfflineTarget): void {
  const t = tombstoneOf(target);
  if (t && !target.database.fileExists()) {
    throw new SafeholdError('offline_wiped', `the offline database was wiped on ${t.wipedAt}: ${wipeReasonText(t.reason)}`, { reason: t.reason });
  }
}

/** The sidecar's user key from the master password (the same password unlock as the account's). */
async function userKeyFromPassword(sc: Sidecar, password: string): Promise<Uint8Array> {
  const opened = await unlockWithPassword(password, sc.kdf, sc);
  if (!opened) throw new SafeholdError('bad_credentials', 'wrong master password');
  zero(opened.authKey);
  return opened.userKey;
}

/**
 * Opens the offline database of (server, db, user, device) for use. Returns null when none exists.
 * Refusals: bad_credentials (exit 3), offline_locked, offline_expired, offline_wiped, offline_corrupt (exit 6).
 * A refused attempt records nothing; a successful one records the clock reading.
 */
export async function unlockOffline(a: OfflineUnlockArgs): Promise<OfflineSession | null> {
  const target = locate(a.home, a.server, a.user, a.db, a.device);
  assertNotWiped(target);
  const sc = target.database.sidecar();
  if (!sc || !target.database.fileExists()) return null;
  // A key file of another user, database, server or device (copied or swapped in) is damage, not a wrong password (issue 17).
  if (sc.user !== a.user || sc.db !== a.db || sc.server !== a.server || sc.device !== a.device) {
    throw new SafeholdError('offline_corrupt', 'the offline database key file belongs to another account or device: refused');
  }
  if (a.pinnedKey && a.pinnedKey !== sc.signingPublicKey) {
    throw new SafeholdError('offline_corrupt', 'the offline database pins another server key than this account: refused');
  }
  const now = a.clock();
  // Throttling is about guessing the master password: it applies where one is tried. A caller that
  // brings the user key (an unlocked session, SAFEHOLD_SESSION) proved it elsewhere, under its own throttle.
  const tryingPassword = !a.userKey;
  if (tryingPassword) checkThrottle(a.home, a.server, a.user, now);
  let userKey: Uint8Array;
  let fileKey: Uint8Array;
  try {
    if (a.userKey) userKey = new Uint8Array(a.userKey);
    else if (a.password !== undefined) userKey = await userKeyFromPassword(sc, a.password);
    else throw new SafeholdError('bad_credentials', 'the master password is needed to open the offline database');
    try {
      fileKey = unwrapFileKey(userKey, sc);
    } catch (e) {
      zero(userKey);
      throw e;
    }
  } catch (e) {
    if (tryingPassword && e instanceof SafeholdError && e.code === 'bad_credentials') noteUnlock(a.home, a.server, a.user, false, now);
    throw e;
  }
  let store: OfflineStore;
  try {
    store = target.database.open(fileKey);
  } catch (e) {
    zero(userKey);
    throw e;
  } finally {
    zero(fileKey);
  }
  try {
    const meta = store.useMeta();
    if (!meta.lease) throw new SafeholdError('offline_corrupt', 'the offline database holds no lease: sync it again while online');
    const lc = verifyLease(meta.lease, fromB64(sc.signingPublicKey), verifySignature, { user: a.user, device: a.device, db: a.db });
    if (!lc.ok) throw new SafeholdError('offline_corrupt', `the offline database's lease is not validly signed by the pinned server key (${lc.why}): refused`);
    const d = checkOfflineUse({ lease: lc.lease, now, latestRecordedTime: meta.latestTime });
    if (!d.ok) {
      if (d.reason === 'expired') {
        throw new SafeholdError('offline_expired', `the offline database expired on ${d.expiredAt}: connect to the server and sync to use it again`, { expiresAt: d.expiredAt, reason: d.reason });
      }
      throw new SafeholdError(
        'offline_expired',
        `the clock reads ${new Date(now).toISOString()}, earlier than the last recorded use (${new Date(meta.latestTime).toISOString()}): offline use is refused until the next successful sync (lease until ${d.expiredAt})`,
        { expiresAt: d.expiredAt, reason: d.reason },
      );
    }
    store.recordTime(now);
    if (tryingPassword) noteUnlock(a.home, a.server, a.user, true, now);
    return {
      target,
      store,
      sidecar: sc,
      lease: lc.lease,
      userKey,
      close() {
        store.close();
        zero(userKey);
      },
    };
  } catch (e) {
    store.close();
    zero(userKey);
    throw e;
  }
}

/** Unlocks the offline database of the context's own account, db and device with its unlocked user key. */
export function unlockForContext(ctx: ClientContext): Promise<OfflineSession | null> {
  return unlockOffline({
    home: ctx.home,
    server: ctx.account.server,
    user: ctx.account.user,
    db: requireDb(ctx),
    device: ctx.device.id,
    userKey: ctx.keyring.userKey,
    pinnedKey: ctx.accountFile.signingPublicKey,
    clock: ctx.clock,
  });
}
