/**
 * The secret scan of issue 17, run at the end of every reliability spec: no password (a record's or a
 * master password) in the server's logs, in any file of the test world (server data, client homes,
 * temp files there), in loose files of the temp directory written during the run, or in the server's
 * environment. The extension of packages/server/src/log.spec.ts (logs and error answers) to files and processes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { World } from '../offline-harness.js';

const MAX_FILE = 8 * 1024 * 1024;
const MAX_ENTRIES = 20_000;

/** Every regular file under `dir` (missing or unreadable entries skipped: other tests come and go). */
function walk(dir: string, since: number, out: string[], maxDepth: number, depth = 0): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (out.length >= MAX_ENTRIES || n === 'node_modules') return;
    const p = join(dir, n);
    try {
      const st = statSync(p);
      if (st.isDirectory()) {
        if (depth < maxDepth) walk(p, since, out, maxDepth, depth + 1);
      } else if (st.isFile() && st.size <= MAX_FILE && st.mtimeMs >= since) out.push(p);
    } catch {
      /* renamed or removed meanwhile */
    }
  }
}

/** Where (file, log, environment) each secret appears; empty when none does. */
export function findSecrets(places: { name: string; bytes: Buffer }[], secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    const needle = Buffer.from(s, 'utf8');
    for (const p of places) if (p.bytes.includes(needle)) found.push(`${p.name} holds a secret of ${s.length} characters`);
  }
  return found;
}

function readSafe(p: string): Buffer | null {
  try {
    return readFileSync(p);
  } catch {
    return null;
  }
}

/** Fails the test when any of `passwords` shows up in the world's logs, files, temp files or server environment. */
export function assertNoSecrets(w: World, o: { passwords: readonly string[]; since?: number }): void {
  const since = o.since ?? 0;
  const files: string[] = [];
  walk(w.dir, 0, files, 8);
  // Loose temp files only: other tests' worlds (their own directories) may hold their fixtures' secrets.
  walk(tmpdir(), since || Date.now() - 3_600_000, files, 0);
  const places: { name: string; bytes: Buffer }[] = [{ name: 'server log', bytes: Buffer.from(w.serverLogs(), 'utf8') }];
  for (const f of new Set(files)) {
    const b = readSafe(f);
    if (b) places.push({ name: f, bytes: b });
  }
  const pid = w.serverPid();
  const env = pid !== undefined ? readSafe(`/proc/${pid}/environ`) : null;
  if (env) places.push({ name: 'server environment', bytes: env });
  const found = findSecrets(places, o.passwords);
  assert.deepEqual(found, [], `secrets found: ${found.join('; ')}`);
}
