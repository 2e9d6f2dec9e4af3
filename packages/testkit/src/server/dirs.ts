import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh private directory under the OS temp dir; remove it with `removeDir` (e.g. in t.after). */
export function tempDir(prefix = 'safehold-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
