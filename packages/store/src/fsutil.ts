/**
 * Durable file operations for the offline database: atomic replace (temp file, fsync, rename,
 * fsync of the directory) and the overwrite-then-delete used by crypto-shredding.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** fsync a directory so that a rename or unlink inside it survives a power cut (no-op where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a directory; its renames are journaled by NTFS.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** fsync one file by path. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` atomically: a reader sees the old content or the new one, never a mix. */
export function atomicWriteFile(path: string, data: string | Uint8Array, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    removeIfExists(tmp);
    throw e;
  }
  fsyncDir(dirname(path));
}

/**
 * Reads and parses a JSON file; null when it does not exist. Content that does not parse, or that
 * `check` rejects, throws `corrupt(cause)` so that each caller keeps its own error code and message.
 */
export function readJsonIfExists<T>(path: string, corrupt: (cause: unknown) => Error, check?: (value: unknown) => boolean): T | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw corrupt(e);
  }
  if (check && !check(value)) throw corrupt(new Error('bad format'));
  return value as T;
}

/** Renames `from` over `to` and makes the rename durable. */
export function durableRename(from: string, to: string): void {
  renameSync(from, to);
  fsyncDir(dirname(to));
}

/** A SQLite file and the files SQLite keeps beside it (WAL, its index, a rollback journal). */
export function sqliteFiles(path: string): [string, string, string, string] {
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
}

/** Deletes a file if it exists. Returns true when something was deleted. */
export function removeIfExists(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Overwrites a file's bytes in place with random data, fsyncs, then deletes it durably.
 * On SSDs and copy-on-write file systems the old blocks may survive: that is why the secret
 * it protects is a wrapped key (crypto-shredding), never the data itself.
 */
export function overwriteAndDelete(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const chunk = 64 * 1024;
    for (let off = 0; off < size; off += chunk) {
      const n = Math.min(chunk, size - off);
      writeSync(fd, randomBytes(n), 0, n, off);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(path);
  fsyncDir(dirname(path));
  return true;
}
