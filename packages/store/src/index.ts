/** @safehold/store: the encrypted offline database file, its sidecar, and crypto-shredding. */
export { OfflineStore, STORE_FORMAT, type StoredRecord, type StoreMeta, type PageInput, type PageResult, type SignedDoc } from './store.js';
export { type OutboxEntry, type OutboxKind, type ConflictEntry, type ConflictKind } from './local.js';
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
export { atomicWriteFile, durableRename, fsyncDir, readJsonIfExists, removeIfExists, overwriteAndDelete } from './fsutil.js';
