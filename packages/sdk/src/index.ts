/**
 * @safehold/sdk: the front door of Safehold's client library, a curated list (ADR 0070). Everything the CLI,
 * the local web UI's server and the benchmarks use, grouped by what it is for; internals (key derivation,
 * keyring, record crypto (all in `keys/`), throttle, sync engine parts) stay behind `@safehold/sdk/internal` (tests only).
 * Calls to the server go through `ApiClient.call` and the endpoint table of `@safehold/protocol/endpoints`.
 */

// The client context, its home and its events.
export { requireDb, zeroContext, type AccountRef, type ClientContext, type SessionSecrets } from './context.js';
export { Home, defaultHomeDir, type AccountFile, type HomeState } from './home.js';
export { SafeholdEvents, type LifecycleEvent, type MessageEvent, type ProgressEvent, type SafeholdEventMap } from './events.js';
export { ApiClient, checkServerUrl, type ApiClientOptions, type TransportOptions } from './http.js';
export { fetchOfflineInfo, serverReachable } from './probe.js';

// Sessions: register, log in, open, lock, unlock, password, database in use.
export { login, openSession, register, resolveAccount } from './session.js';
export { type PasswordPrompt, type SessionOptions } from './sessionkeys.js';
export { kdfFromWire } from './keys/index.js';
export { changePassword, lock, logout, unlock, useDatabase } from './sessionops.js';

// Records: list, read, create, edit, remove, mask, history, search; where they are read from.
export {
  createRecord,
  editRecord,
  listRecords,
  pickValue,
  removeRecord,
  revealableSecret,
  setMasked,
  type RecordChanges,
  type RecordInput,
  type WriteOptions,
} from './vault.js';
export { encryptPart, generatePassword } from './keys/index.js';
export { revealView, type RecordField, type RecordView, type RevealedView } from './recordview.js';
export { recordHistory, type HistoryItem } from './history.js';
export { hasTag, indexForSearch, prepareSearch, searchRecords } from './search.js';
export { resolveSource, serverSource, type RecordSource, type SourceRecord } from './source.js';

// Sharing, roles, trust, seals and releases.
export { parseRights, recordRights, shareRecord, unshareRecord, type Grantee, type RightsGrant, type RightsView } from './sharing.js';
export { addRoleMember, compareRoleKeys, createRole, listRoles, removeRoleMember, trustRole, type RoleView } from './roles.js';
export { compareKeys, fingerprint, trustUser } from './pinning.js';
export { approveRelease, listReleases, requestRelease, sealRecord, unsealRecord, type ReleaseView, type SealOptions } from './seals.js';

// Import and export (their modules load at the first call: transfer/ondemand.ts).
export { exportVault, importVault, readImportFile, writeExportFile } from './transfer/ondemand.js';
export type { ExportOptions, ExportResult } from './transfer/export.js';
export type { ImportOptions, ImportSummary } from './transfer/import.js';
export type { ExportFileOptions } from './transfer/files.js';
export { checkRecords, type ParsedFile, type PortableRecord } from './transfer/portable.js';

// The Offline Add-on (loading it registers the add-on with the core, see addons.ts).
export {
  OfflineRecordSource,
  SYNC_TASK,
  changeSettings,
  completionNotice,
  listConflicts,
  listOfflineDatabases,
  listPending,
  offlineDir,
  offlineStatus,
  openOfflineSource,
  parseInterval,
  parseOnOff,
  readSettings,
  removeOfflineDatabase,
  resolveConflict,
  runAgent,
  syncOffline,
  unlockOffline,
  wipeOnRefusal,
  type AgentOptions,
  type ConflictItem,
  type OfflineSettings,
  type OfflineStatus,
  type OfflineSyncOptions,
  type OfflineSyncResult,
  type PendingItem,
  type OfflineSession,
  type OfflineUnlockArgs,
} from './offline/index.js';
