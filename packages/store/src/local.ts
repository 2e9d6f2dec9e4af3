/**
 * Offline edits (E5) in the offline file: the outbox of queued changes and the list of conflicts and
 * rejected changes. Both live in the same encrypted file as the records, so a change and its local
 * copy are written in one SQLite transaction. Their `data` is opaque here (the SDK's JSON of record
 * ciphertext, wrapped keys and revision ids: no plaintext).
 */
import type { SqliteHandle } from './keyed.js';

export type OutboxKind = 'create' | 'update' | 'delete';
export type ConflictKind = 'conflict' | 'deleted' | 'rejected';

/** One queued offline change, in push order (`seq`). */
export interface OutboxEntry {
  seq: number;
  opId: string;
  record: string;
  kind: OutboxKind;
  /** ISO time the change was made. */
  at: string;
  data: string;
}

/** A conflict or a rejected change kept for the user (`safehold conflicts`). */
export interface ConflictEntry {
  id: string;
  record: string;
  kind: ConflictKind;
  at: string;
  /** Names of the fields in conflict (no values). */
  fields: string[];
  reason: string;
  data: string;
}

export const LOCAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, op_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS conflicts (id TEXT PRIMARY KEY, record TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, fields TEXT NOT NULL, reason TEXT NOT NULL, data TEXT NOT NULL) STRICT;
`;

interface OutboxRow {
  seq: number;
  op_id: string;
  record: string;
  kind: string;
  at: string;
  data: string;
}
interface ConflictRow {
  id: string;
  record: string;
  kind: string;
  at: string;
  fields: string;
  reason: string;
  data: string;
}

export function readOutbox(db: SqliteHandle): OutboxEntry[] {
  return (db.prepare('SELECT * FROM outbox ORDER BY seq').all() as OutboxRow[]).map((r) => ({
    seq: r.seq,
    opId: r.op_id,
    record: r.record,
    kind: r.kind as OutboxKind,
    at: r.at,
    data: r.data,
  }));
}

export function insertOutbox(db: SqliteHandle, e: Omit<OutboxEntry, 'seq'>): void {
  db.prepare('INSERT INTO outbox (op_id, record, kind, at, data) VALUES (?, ?, ?, ?, ?)').run(e.opId, e.record, e.kind, e.at, e.data);
}

export function readConflicts(db: SqliteHandle): ConflictEntry[] {
  return (db.prepare('SELECT * FROM conflicts ORDER BY at, id').all() as ConflictRow[]).map((r) => ({
    id: r.id,
    record: r.record,
    kind: r.kind as ConflictKind,
    at: r.at,
    fields: JSON.parse(r.fields) as string[],
    reason: r.reason,
    data: r.data,
  }));
}

export function insertConflict(db: SqliteHandle, c: ConflictEntry): void {
  db.prepare('INSERT OR REPLACE INTO conflicts (id, record, kind, at, fields, reason, data) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    c.id,
    c.record,
    c.kind,
    c.at,
    JSON.stringify(c.fields),
    c.reason,
    c.data,
  );
}

/** Copies the outbox and the conflicts into another file (a rebuild that is about to replace this one). */
export function copyLocal(from: SqliteHandle, to: SqliteHandle): void {
  const out = readOutbox(from);
  const conf = readConflicts(from);
  if (out.length === 0 && conf.length === 0) return;
  to.transaction(() => {
    const put = to.prepare('INSERT OR REPLACE INTO outbox (seq, op_id, record, kind, at, data) VALUES (?, ?, ?, ?, ?, ?)');
    for (const e of out) put.run(e.seq, e.opId, e.record, e.kind, e.at, e.data);
    for (const c of conf) insertConflict(to, c);
  })();
}
