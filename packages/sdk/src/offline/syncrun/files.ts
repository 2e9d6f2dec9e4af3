/**
 * The page applier's file operations (domain `PageFiles`) on offline stores: the main file and the
 * rebuild beside it (E3). The sidecar is written before the first byte of a new file is committed; a
 * swap keeps the old file's local state (conflicts, rejections, queued changes) and counts the difference.
 */
import { diffRevisions, type PageFiles, type PageShape } from '@safehold/domain';
import type { Signed } from '@safehold/protocol/api';
import { OfflineStore, SIDECAR_FORMAT, writeSidecar, type Sidecar, type StoredRecord } from '@safehold/store';
import { wrapFileKey } from '../../keys/index.js';
import type { RunState } from './state.js';

/** A page as the store applies it. */
export interface StorePage extends PageShape {
  records: StoredRecord[];
  removed: string[];
  lease: Signed;
  now: number;
  /** The header cache entries of this page (a fresh build only, ADR 0076): its part, and on the last page the index. */
  cache?: (generation: number) => Array<readonly [string, Uint8Array]>;
}

/** The applier's file operations for the run's target. */
export function storeFiles(s: RunState): PageFiles<OfflineStore, StorePage> {
  return {
    createBuild() {
      ensureSidecar(s);
      return OfflineStore.build(s.target.paths.build, s.fileKey, { now: s.ctx.clock() });
    },
    apply: (into, p) => into.applyPage({ records: p.records, removed: p.removed, cursor: p.cursor, lease: p.lease, now: p.now, ...(p.cache ? { cache: p.cache } : {}) }),
    swap(build, main) {
      // A first sync's rebuild replaces no file: all its rows are added, which its count says without
      // reading every id and revision back out of it (100k rows at 100k).
      const diff = main ? diffRevisions(main.revisions(), build.revisions()) : { added: build.count(), updated: 0, removed: 0 };
      if (main) {
        build.setLatestTime(Math.max(build.meta().latestTime, main.meta().latestTime));
        // Conflicts and rejected changes (and any queued change) live in the file: the rebuild keeps them.
        main.copyLocalTo(build);
        main.close();
      }
      build.commitTo(s.target.paths.file);
      return { main: OfflineStore.open(s.target.paths.file, s.fileKey), diff };
    },
    cursorOf: (f) => f.meta().cursor,
  };
}

/** Writes the sidecar (before the first byte of a new file is committed). */
function ensureSidecar(s: RunState): void {
  if (s.sidecar) return;
  const a = s.ctx.accountFile;
  const sc: Sidecar = {
    format: SIDECAR_FORMAT,
    ...s.target.ident,
    kdf: a.kdf,
    userKeyEnc: a.userKeyEnc,
    signingPublicKey: a.signingPublicKey,
    fileKeyEnc: wrapFileKey(s.ctx.keyring.userKey, s.fileKey, s.target.ident, a.signingPublicKey),
    createdAt: new Date(s.ctx.clock()).toISOString(),
  };
  writeSidecar(s.target.paths.sidecar, sc);
  s.sidecar = sc;
}
