/**
 * The server's record of what a device was given (its held set), and the writes of one sync page
 * (docs/adr/0004-sync-protocol.md, docs/adr/0060-sync-core.md). A removed id moves from offline_held
 * to offline_gone with the position of the end of the removing page, so that a retried page (its
 * answer lost) names it again (domain `mayStillHold`).
 */
import { randomId } from '@safehold/crypto';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import type { Conn } from '../repositories/db.js';
import { supersedeOrders } from './wipe.js';

import { addHeld, forgetGone, insertDevice, moveToGone, stampSync, type OfflineCopyKey } from '../repositories/offline.js';

/** What one page writes. */
export interface PageWrite {
  sent: readonly string[];
  removed: readonly string[];
  /** The device's stored cursor after this page (null: unchanged, inside a reset). */
  appliedSeq: number | null;
  /** A delta's positions (domain positionOf): where its request started and where the page ends. */
  positions: { from: number; end: number } | null;
  reset: boolean;
  /**
   * The audit's counts of sent records new to the device and already held; null on a reset page: counted by
   * the held-set insert (new = the ids it inserted), so a reset page reads no held set.
   */
  counts: { added: number; updated: number } | null;
}

export interface WriteContext {
  clock: Clock;
  key: OfflineCopyKey;
  dbName: string;
  /** The user's name (the audit actor). */
  user: string;
  dialect: 'sqlite' | 'postgres';
}

/**
 * The writes of one page, inside the page's transaction: the offline_devices row (created at the
 * first sync, audited 'offline_created'), the held set (sent ids added, removed ids moved to
 * offline_gone), and the 'offline_sync' audit row with counts when records were transferred.
 */
export async function writePage(trx: Conn, c: WriteContext, w: PageWrite): Promise<void> {
  const now = c.clock.now();
  const { deviceId } = c.key;
  const set = w.appliedSeq === null ? { last_sync_at: now, last_seen_at: now } : { last_sync_at: now, last_seen_at: now, cursor: w.appliedSeq };
  const stamped = await stampSync(trx, c.key, set);
  if (!stamped) await createDevice(trx, c, w.appliedSeq ?? 0, now);
  const inserted = await addHeld(trx, c.key, w.sent, c.dialect);
  const counts = w.counts ?? { added: inserted, updated: w.sent.length - inserted };
  // Removals whose page ended where this request starts, or before, reached the device: forgotten.
  if (w.positions !== null) await forgetGone(trx, c.key, w.positions.from);
  await moveToGone(trx, c.key, w.removed, w.positions?.end ?? 0);
  if (w.sent.length > 0 || w.removed.length > 0) {
    await writeAudit(trx, c.clock, {
      db: c.dbName,
      actor: c.user,
      action: 'offline_sync',
      target: deviceId,
      detail: { device: deviceId, added: counts.added, updated: counts.updated, removed: w.removed.length, reset: w.reset },
    });
  }
}

/** The device's row at its first sync, with a new instance id; audited. */
async function createDevice(trx: Conn, c: WriteContext, cursor: number, now: number): Promise<void> {
  const { deviceId, userId, dbId } = c.key;
  if (!(await insertDevice(trx, c.key, { cursor, now, instanceId: randomId() }))) return;
  // A new instance: orders still pending for a wiped one of this device are moot (its client refuses them anyway).
  await supersedeOrders(trx, now, { deviceId, userId, dbId });
  await writeAudit(trx, c.clock, { db: c.dbName, actor: c.user, action: 'offline_created', target: deviceId, detail: { device: deviceId } });
}
