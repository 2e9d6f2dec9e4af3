/**
 * The server's tables as Kysely types. Portable between SQLite and PostgreSQL:
 * ids and ciphertext are text (ciphertext as unpadded base64url, as on the wire), times are epoch
 * milliseconds (bigint in PostgreSQL, parsed to number), booleans are integers 0/1, lists are JSON text.
 */
import type { Generated } from 'kysely';
import type { ChangeKind } from '@safehold/domain';

export interface ServerMetaTable {
  key: string; // 'signing_seed' | 'signing_public' | 'prelogin_secret' | ...
  value: string;
}

export interface DatabasesTable {
  id: string;
  name: string;
  offline: number; // R1: offline mode enabled by an admin
  /** The per-database change counter: every change that can alter what a user may hold takes the next value. */
  seq: number;
  created_at: number;
}

export interface UsersTable {
  id: string;
  name: string;
  admin: number;
  /** JSON of the client's KdfParams (salt base64url); null until registered. */
  kdf: string | null;
  auth_hash: string | null; // slow hash (argon2id PHC) of the client-derived auth key
  user_key_enc: string | null;
  public_key: string | null;
  private_key_enc: string | null;
  created_at: number;
  removed_at: number | null;
  /** Ed25519 public key (base64url) the user's client signs role keys with; null until uploaded (12.2). */
  signing_key: string | null;
}

export interface MembershipsTable {
  db_id: string;
  user_id: string;
  offline_right: number; // R2
  offline_days: number; // default 7 when granted
  /** E5: may add, edit and delete records offline (0004_offedits). */
  offline_edits: Generated<number>;
  created_at: number;
}

export interface InvitesTable {
  code_hash: string; // sha256 of the invite code, base64url
  user_id: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** One row per (home device, user): a home may hold several accounts with one device id. */
export interface DevicesTable {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
  /** The device's Ed25519 public key for this account (12.4); null until an upgraded client's next contact. */
  public_key: string | null;
}

export interface SessionsTable {
  token_hash: string; // sha256 of the bearer token, base64url
  user_id: string;
  device_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface LoginFailuresTable {
  key: string; // 'user:<name>' or 'addr:<ip>'
  count: number;
  window_start: number;
}

export interface RecordsTable {
  id: string;
  db_id: string;
  revision: string;
  creator_id: string;
  created_at: number;
  updated_at: number;
  updated_by: string; // user id
  masked: number;
  sealed: number;
  header: string;
  secret: string;
  deleted_at: number | null;
  /** seq of the last change touching this record (content, grants, seal, mask, deletion). */
  change_seq: number;
}

/** Which record an import made from which source (migration 0005_impexp_record_sources). */
export interface RecordSourcesTable {
  db_id: string;
  user_id: string;
  /** The client's HMAC tag of the source id. */
  source: string;
  record_id: string;
}

export interface RevisionsTable {
  record_id: string;
  revision: string;
  base_revision: string | null;
  header: string;
  secret: string;
  updated_at: number;
  updated_by: string;
  /** 1: an offline version that lost a same-field conflict, kept in history (0004_offedits). */
  conflict: Generated<number>;
}

/** Pushed offline changes by operation id, with their outcome (E5: a retried push is applied once). */
export interface OfflineOpsTable {
  user_id: string;
  op_id: string;
  db_id: string;
  record_id: string;
  status: string;
  reason: string | null;
  revision: string | null;
  at: number;
}

export type HolderKind = 'user' | 'role';

export interface GrantsTable {
  record_id: string;
  holder_kind: HolderKind;
  holder_id: string; // user id or role id
  /** Bit mask of the granted rights (domain RIGHT_BIT: read 1 ... export 16); 0006_arch replaced the comma list. */
  rights_mask: number;
}

export interface RecordKeysTable {
  record_id: string;
  holder_kind: HolderKind;
  holder_id: string;
  header_key: string; // wrapped header key (AEAD under user key, or HPKE for a public key)
  secret_key: string | null; // wrapped secret key; null when not given
}

export interface RolesTable {
  id: string;
  db_id: string;
  name: string;
  public_key: string;
  creator_id: string;
  created_at: number;
  /** JSON {payload, signature}: the role's public key signed by its creator or a member (12.2); null until signed. */
  key_signature: string | null;
}

export interface RoleMembersTable {
  role_id: string;
  user_id: string;
  member_key: string; // the role's private key wrapped (HPKE) for this member
  created_at: number;
}

export interface SealsTable {
  record_id: string;
  approvers: string; // JSON array of user ids
  required: number;
  window_minutes: number;
  created_at: number;
  created_by: string;
}

export interface ReleasesTable {
  id: string;
  record_id: string;
  db_id: string;
  requester_id: string;
  reason: string;
  created_at: number;
  approved_at: number | null;
  expires_at: number | null;
  cancelled: number; // set when the seal is lifted or replaced
  /** 'read' (the sealed secret) or 'unseal' (lifting the seal needs the quorum too, 12.1). */
  kind: ReleaseKind;
}

export type ReleaseKind = 'read' | 'unseal';

export interface ReleaseApprovalsTable {
  release_id: string;
  approver_id: string;
  at: number;
}

/** The kinds of change rows: the sync core's (the delta walk reads them). */
export type { ChangeKind };

export interface ChangesTable {
  db_id: string;
  seq: number;
  kind: ChangeKind;
  record_id: string | null;
  role_id: string | null;
  user_id: string | null;
  at: number;
}

export interface AuditTable {
  id: string;
  at: number;
  db: string | null; // database name
  actor: string | null; // user name, or 'admin' for the Server Manager
  action: string;
  target: string | null;
  detail: string; // JSON object; never a secret
}

/** One row per (device, user, database) that holds an offline database (created at its first sync). */
export interface OfflineDevicesTable {
  device_id: string;
  user_id: string;
  db_id: string;
  cursor: number; // the seq the device has applied up to
  created_at: number;
  last_sync_at: number; // last sync that transferred something or renewed the lease
  last_seen_at: number; // coalesced: written at most once a minute by no-change syncs
  /** The offline database instance (12.5): a new one each time the row is created; with created_at in leases and orders. */
  instance_id: string | null;
}

/** A signed wipe order, kept until the device acknowledges it (12.4). */
export interface WipeOrdersTable {
  id: string;
  device_id: string;
  user_id: string;
  db_id: string;
  instance_id: string;
  reason: string;
  records: number;
  payload: string;
  signature: string;
  issued_at: number;
  delivered_at: number | null;
  acknowledged_at: number | null;
  /** Set when a new offline database instance of the same (device, user, db) made the order moot. */
  superseded_at: number | null;
}

/** The record ids a device was given (so that "removed" never names an id the user was not given). */
export interface OfflineHeldTable {
  device_id: string;
  user_id: string;
  db_id: string;
  record_id: string;
}

/** Ids removed from a device's held set, until the device's cursor is past the request that removed them. */
export interface OfflineGoneTable {
  device_id: string;
  user_id: string;
  db_id: string;
  record_id: string;
  /** The position (domain positionOf) of the end of the page that removed it. */
  gone_pos: number;
}

export interface Tables {
  server_meta: ServerMetaTable;
  databases: DatabasesTable;
  users: UsersTable;
  memberships: MembershipsTable;
  invites: InvitesTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  records: RecordsTable;
  revisions: RevisionsTable;
  grants: GrantsTable;
  record_keys: RecordKeysTable;
  roles: RolesTable;
  role_members: RoleMembersTable;
  seals: SealsTable;
  releases: ReleasesTable;
  release_approvals: ReleaseApprovalsTable;
  changes: ChangesTable;
  audit: AuditTable;
  offline_devices: OfflineDevicesTable;
  offline_held: OfflineHeldTable;
  offline_gone: OfflineGoneTable;
  record_sources: RecordSourcesTable;
  offline_ops: OfflineOpsTable;
  wipe_orders: WipeOrdersTable;
}

/** Generated is re-exported for later tables that want it. */
export type { Generated };
