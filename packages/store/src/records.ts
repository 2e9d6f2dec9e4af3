/**
 * The records table of the offline file and the mapping between its rows and StoredRecord. Blobs in,
 * blobs out: the header, secret and wrapped keys are opaque here.
 */

/** A record as the offline file keeps it. `headerKey`/`secretKey` are wrapped under the user key. */
export interface StoredRecord {
  id: string;
  db: string;
  revision: string;
  creator: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  masked: boolean;
  sealed: boolean;
  rights: string[];
  header: Uint8Array;
  secret: Uint8Array | null;
  headerKey: Uint8Array;
  secretKey: Uint8Array | null;
}

export const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE records (
  id TEXT PRIMARY KEY,
  db TEXT NOT NULL,
  revision TEXT NOT NULL,
  creator TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  masked INTEGER NOT NULL,
  sealed INTEGER NOT NULL,
  rights TEXT NOT NULL,
  header BLOB NOT NULL,
  secret BLOB,
  header_key BLOB NOT NULL,
  secret_key BLOB
) STRICT;
`;

export interface RecordRow {
  id: string;
  db: string;
  revision: string;
  creator: string;
  created_at: string;
  updated_at: string;
  updated_by: string;
  masked: number;
  sealed: number;
  rights: string;
  header: Buffer;
  secret: Buffer | null;
  header_key: Buffer;
  secret_key: Buffer | null;
}

export function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A row's fields but the secret part and its key. */
export function rowToListed(r: Omit<RecordRow, 'secret' | 'secret_key'>): Omit<StoredRecord, 'secret' | 'secretKey'> {
  return {
    id: r.id,
    db: r.db,
    revision: r.revision,
    creator: r.creator,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
    masked: r.masked === 1,
    sealed: r.sealed === 1,
    rights: JSON.parse(r.rights) as string[],
    header: u8(r.header),
    headerKey: u8(r.header_key),
  };
}

export function rowToRecord(r: RecordRow): StoredRecord {
  return { ...rowToListed(r), secret: r.secret ? u8(r.secret) : null, secretKey: r.secret_key ? u8(r.secret_key) : null };
}

/**
 * A record's column values in RECORD_COLUMNS order (positional binds: no object of named parameters per
 * row). The blobs are bound as they are: the driver takes any Uint8Array, so no Buffer copy per value.
 */
export function rowValues(r: StoredRecord): unknown[] {
  return [
    r.id,
    r.db,
    r.revision,
    r.creator,
    r.createdAt,
    r.updatedAt,
    r.updatedBy,
    r.masked ? 1 : 0,
    r.sealed ? 1 : 0,
    JSON.stringify(r.rights),
    r.header,
    r.secret,
    r.headerKey,
    r.secretKey,
  ];
}

const RECORD_COLUMNS = '(id, db, revision, creator, created_at, updated_at, updated_by, masked, sealed, rights, header, secret, header_key, secret_key)';
const RECORD_VALUES = 'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Inserts one record that is not held yet (rowValues); does nothing for an id already held (changes = 0),
 * which the caller then upserts. The bulk of a first sync or a rebuild: every row is new there.
 */
export const INSERT_NEW_SQL = `INSERT INTO records ${RECORD_COLUMNS} ${RECORD_VALUES} ON CONFLICT (id) DO NOTHING`;

/** Inserts or replaces one record (rowValues). */
export const UPSERT_SQL = `INSERT INTO records ${RECORD_COLUMNS} ${RECORD_VALUES}
  ON CONFLICT (id) DO UPDATE SET db = excluded.db, revision = excluded.revision, creator = excluded.creator,
    created_at = excluded.created_at, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
    masked = excluded.masked, sealed = excluded.sealed, rights = excluded.rights, header = excluded.header,
    secret = excluded.secret, header_key = excluded.header_key, secret_key = excluded.secret_key`;

/** Every column but the secret part and its key (what a list or a search needs). */
export const HEADER_COLUMNS = 'id, db, revision, creator, created_at, updated_at, updated_by, masked, sealed, rights, header, header_key';
