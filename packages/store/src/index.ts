/** @safehold/store: crypto-free storage of the offline database (keyed SQLite file, sidecar, status, tombstone, wipe). */
export { OfflineStore, STORE_FORMAT, type StoredRecord, type StoreMeta, type PageInput, type PageResult, type SignedDoc } from './store.js';
export { type OutboxEntry, type OutboxKind, type ConflictEntry, type ConflictKind } from './local.js';
export { OfflineDatabase } from './database.js';
export { OfflineStoreError, type StoreErrorReason } from './errors.js';
export { offlineBase, offlinePaths, type OfflineIdent, type OfflinePaths } from './layout.js';
export {
  SIDECAR_FORMAT,
  type Sidecar,
  writeSidecar,
  readSidecar,
  readJson,
  writeJson,
} from './sidecar.js';
export { wipeOffline, type Tombstone } from './wipe.js';
export { atomicWriteFile, durableRename, fsyncDir, readJsonIfExists, removeIfExists, overwriteAndDelete, sqliteFiles } from './fsutil.js';
