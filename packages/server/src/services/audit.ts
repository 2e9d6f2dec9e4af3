/** The server's audit log: who did what, when. `detail` holds counts and names, never a secret or contents. */
import { randomBytes } from 'node:crypto';
import type { Conn } from '../repositories/db.js';
import { auditRows, insertAudit } from '../repositories/audit.js';
import type { Clock } from '../clock.js';

export interface AuditEvent {
  /** Database name, or null for server-wide events. */
  db: string | null;
  /** User name, or 'admin' for the Server Manager, or null. */
  actor: string | null;
  action: string;
  target: string | null;
  detail?: Record<string, unknown>;
}

/** Writes one audit row (inside the caller's transaction when given one). */
export async function writeAudit(db: Conn, clock: Clock, e: AuditEvent): Promise<void> {
  await insertAudit(db, {
    id: auditId(),
    at: clock.now(),
    db: e.db,
    actor: e.actor,
    action: e.action,
    target: e.target,
    detail: JSON.stringify(e.detail ?? {}),
  });
}

/**
 * Row ids sort in write order within a process (monotonic clock first, then random), so that events
 * of the same millisecond still list newest first (ORDER BY at DESC, id DESC).
 */
function auditId(): string {
  return process.hrtime.bigint().toString(16).padStart(16, '0') + randomBytes(8).toString('hex');
}

export interface AuditEntry {
  at: string;
  db: string | null;
  actor: string | null;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
}

/** Audit events, newest first, optionally for one database and/or since a time (epoch ms, inclusive). */
export async function listAudit(
  db: Conn,
  opts: { db?: string; since?: number; limit?: number } = {},
): Promise<AuditEntry[]> {
  const rows = await auditRows(db, opts);
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    db: r.db,
    actor: r.actor,
    action: r.action,
    target: r.target,
    detail: safeJson(r.detail),
  }));
}

function safeJson(s: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
