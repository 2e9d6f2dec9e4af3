/** The audit table: one insert and the newest-first listing. */
import type { Insertable } from 'kysely';
import type { AuditTable } from '../storage/schema.js';
import type { Conn } from './db.js';

export async function insertAudit(db: Conn, row: Insertable<AuditTable>): Promise<void> {
  await db.insertInto('audit').values(row).execute();
}

/** Audit rows, newest first (at, then id), optionally for one database and/or since a time. */
export async function auditRows(db: Conn, opts: { db?: string; since?: number; limit?: number }) {
  let q = db.selectFrom('audit').selectAll();
  if (opts.db !== undefined) q = q.where('db', '=', opts.db);
  if (opts.since !== undefined) q = q.where('at', '>=', opts.since);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(opts.limit ?? 10_000).execute();
}

/** Deletes audit rows older than `before`; returns how many. */
export async function deleteAuditBefore(db: Conn, before: number): Promise<number> {
  const res = await db.deleteFrom('audit').where('at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
