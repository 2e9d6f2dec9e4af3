/**
 * The server's record of what a device was given (its held set), and the writes of one sync page
 * (docs/adr/0004-sync-protocol.md, docs/adr/0060-sync-core.md). A removed id moves from offline_held
 * to offline_gone with the position of the end of the removing page, so that a retried page (its
 * answer lost) names it again (domain `mayStillHold`).
 */
import { mayStillHold } from '@safehold/domain';
import { randomId } from '@safehold/crypto';
import type { Clock } from '../clock.js';
import { writeAudit } from './audit.js';
import type { Db } from './changes.js';
import { chunks } from './syncwire.js';
import { supersedeOrders } from './wipe.js';

import type { HeldKey } from '../repositories/offline.js';

export type { HeldKey };

/** Of `ids`: those the device holds, and those it may still hold (held, or removed by a possibly lost answer). */
export async function heldAmong(db: Db, k: HeldKey, ids: readonly string[], from: number | null): Promise<{ held: Set<string>; removable: Set<string> }> {
  const held = new Set<string>();
  const removable = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('offline_held')
      .select('record_id')
      .where('device_id', '=', k.deviceId)
      .where('user_id', '=', k.userId)
      .where('db_id', '=', k.dbId)
      .where('record_id', 'in', part)
      .execute();
    for (const r of rows) held.add(r.record_id);
    if (from === null) continue;
    const gone = await db
      .selectFrom('offline_gone')
      .select(['record_id', 'gone_pos'])
      .where('device_id', '=', k.deviceId)
      .where('user_id', '=', k.userId)
      .where('db_id', '=', k.dbId)
      .where('record_id', 'in', part)
      .execute();
    for (const g of gone) if (mayStillHold(Number(g.gone_pos), from)) removable.add(g.record_id);
  }
  for (const id of held) removable.add(id);
  return { held, removable };
}

/** What one page writes. */
export interface PageWrite {
  sent: readonly string[];
  removed: readonly string[];
  /** The device's stored cursor after this page (null: unchanged, inside a reset). */
  appliedSeq: number | null;
  /** A delta's positions (domain positionOf): where its request started and where the page ends. */
  positions: { from: number; end: number } | null;
  reset: boolean;
  added: number;
  updated: number;
}

export interface WriteContext {
  clock: Clock;
  key: HeldKey;
  dbName: string;
  /** The user's name (the audit actor). */
  user: string;
}

/**
 * The writes of one page, inside the page's transaction: the offline_devices row (created at the
 * first sync, audited 'offline_created'), the held set (sent ids added, removed ids moved to
 * offline_gone), and the 'offline_sync' audit row with counts when records were transferred.
 */
export async function writePage(trx: Db, c: WriteContext, w: PageWrite): Promise<void> {
  const now = c.clock.now();
  const { deviceId, userId, dbId } = c.key;
  const set = w.appliedSeq === null ? { last_sync_at: now, last_seen_at: now } : { last_sync_at: now, last_seen_at: now, cursor: w.appliedSeq };
  const upd = await trx
    .updateTable('offline_devices')
    .set(set)
    .where('device_id', '=', deviceId)
    .where('user_id', '=', userId)
    .where('db_id', '=', dbId)
    .executeTakeFirst();
  if (Number(upd.numUpdatedRows) === 0) await createDevice(trx, c, w.appliedSeq ?? 0, now);
  for (const part of chunks(w.sent)) {
    await trx
      .insertInto('offline_held')
      .values(part.map((record_id) => ({ device_id: deviceId, user_id: userId, db_id: dbId, record_id })))
      .onConflict((oc) => oc.columns(['device_id', 'user_id', 'db_id', 'record_id']).doNothing())
      .execute();
  }
  if (w.positions !== null) {
    // Removals whose page ended where this request starts, or before, reached the device: forgotten.
    await trx
      .deleteFrom('offline_gone')
      .where('device_id', '=', deviceId)
      .where('user_id', '=', userId)
      .where('db_id', '=', dbId)
      .where('gone_pos', '<=', w.positions.from)
      .execute();
  }
  for (const part of chunks(w.removed)) {
    await trx
      .deleteFrom('offline_held')
      .where('device_id', '=', deviceId)
      .where('user_id', '=', userId)
      .where('db_id', '=', dbId)
      .where('record_id', 'in', part)
      .execute();
    const gone_pos = w.positions?.end ?? 0;
    await trx
      .insertInto('offline_gone')
      .values(part.map((record_id) => ({ device_id: deviceId, user_id: userId, db_id: dbId, record_id, gone_pos })))
      .onConflict((oc) => oc.columns(['device_id', 'user_id', 'db_id', 'record_id']).doUpdateSet({ gone_pos }))
      .execute();
  }
  if (w.sent.length > 0 || w.removed.length > 0) {
    await writeAudit(trx, c.clock, {
      db: c.dbName,
      actor: c.user,
      action: 'offline_sync',
      target: deviceId,
      detail: { device: deviceId, added: w.added, updated: w.updated, removed: w.removed.length, reset: w.reset },
    });
  }
}

/** The device's row at its first sync, with a new instance id; audited. */
async function createDevice(trx: Db, c: WriteContext, cursor: number, now: number): Promise<void> {
  const { deviceId, userId, dbId } = c.key;
  const ins = await trx
    .insertInto('offline_devices')
    .values({ device_id: deviceId, user_id: userId, db_id: dbId, cursor, created_at: now, last_sync_at: now, last_seen_at: now, instance_id: randomId() })
    .onConflict((oc) => oc.columns(['device_id', 'user_id', 'db_id']).doNothing())
    .executeTakeFirst();
  if (Number(ins.numInsertedOrUpdatedRows ?? 0) === 0) return;
  // A new instance: orders still pending for a wiped one of this device are moot (its client refuses them anyway).
  await supersedeOrders(trx, now, { deviceId, userId, dbId });
  await writeAudit(trx, c.clock, { db: c.dbName, actor: c.user, action: 'offline_created', target: deviceId, detail: { device: deviceId } });
}
