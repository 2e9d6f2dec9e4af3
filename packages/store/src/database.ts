/**
 * One offline database on disk, as storage: its files (layout), its sidecar, its non-secret status, its
 * tombstone, and the keyed SQLite file (cache and change log inside). Open, build, exists, wipe. It holds
 * no crypto: the file key it is opened with comes unwrapped from the SDK key service.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { offlinePaths, type OfflineIdent, type OfflinePaths } from './layout.js';
import { readJson, readSidecar, writeJson, writeSidecar, type Sidecar } from './sidecar.js';
import { OfflineStore } from './store.js';
import { wipeOffline, type Tombstone } from './wipe.js';

const SIDECAR_SUFFIX = '.key.json';

export class OfflineDatabase {
  readonly paths: OfflinePaths;

  constructor(
    readonly dir: string,
    readonly ident: OfflineIdent,
  ) {
    this.paths = offlinePaths(dir, ident);
  }

  /**
   * The offline databases in `dir` whose sidecar `match` accepts, in file-name order. A damaged sidecar
   * is skipped with `damaged: 'skip'`, else its error is thrown. A missing directory holds none.
   */
  static scan(dir: string, match: (sc: Sidecar) => boolean, damaged: 'skip' | 'throw' = 'throw'): Array<{ database: OfflineDatabase; sidecar: Sidecar }> {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const out: Array<{ database: OfflineDatabase; sidecar: Sidecar }> = [];
    for (const n of names.sort()) {
      if (!n.endsWith(SIDECAR_SUFFIX)) continue;
      let sc: Sidecar | null;
      try {
        sc = readSidecar(join(dir, n));
      } catch (e) {
        if (damaged === 'skip') continue;
        throw e;
      }
      if (sc && match(sc)) out.push({ database: new OfflineDatabase(dir, sc), sidecar: sc });
    }
    return out;
  }

  /** Whether the database file is there (with or without a readable sidecar). */
  fileExists(): boolean {
    return existsSync(this.paths.file);
  }

  /** Whether the database exists: its file and a readable sidecar. */
  exists(): boolean {
    return this.fileExists() && readSidecar(this.paths.sidecar) !== null;
  }

  /** The sidecar, or null when absent; a damaged one is offline_corrupt. */
  sidecar(): Sidecar | null {
    return readSidecar(this.paths.sidecar);
  }

  /** Writes the sidecar atomically (before the first byte of a new file is committed). */
  writeSidecar(s: Sidecar): void {
    writeSidecar(this.paths.sidecar, s);
  }

  /** The non-secret status file (its shape is the SDK's), or null when absent or unreadable. */
  status<T>(): T | null {
    return readJson<T>(this.paths.status);
  }

  /** Writes the status file atomically. Never put a secret in it. */
  writeStatus(value: unknown): void {
    writeJson(this.paths.status, value);
  }

  /** The tombstone left by a wipe, if any. */
  tombstone(): Tombstone | null {
    return readJson<Tombstone>(this.paths.tombstone);
  }

  /** Opens the database file with its (unwrapped) file key. */
  open(fileKey: Uint8Array): OfflineStore {
    return OfflineStore.open(this.paths.file, fileKey);
  }

  /** Crypto-shreds the database (the wrapped file key first) and leaves `tombstone` when given. */
  wipe(tombstone: Tombstone | null): void {
    wipeOffline(this.paths, tombstone);
  }
}
