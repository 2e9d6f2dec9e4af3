/**
 * Start-up cost is part of the offline contract (spec §5: `list` of 1k records from the offline
 * database under 400 ms, key derivation included). zod alone costs more to load than the rest of the
 * CLI, so the SDK loads the wire schemas only at the first server answer it checks: importing the SDK
 * (what every offline command does) must not load them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WIRE_SCHEMAS = String.raw`\/node_modules\/zod\/|\/protocol\/dist\/api\.js$`;
/** The modules of import and export: the file formats (KDBX through kdbxweb, Bitwarden JSON, CSV) and the server round trips. */
const TRANSFER = String.raw`\/node_modules\/kdbxweb\/|\/sdk\/dist\/formats\/|\/sdk\/dist\/transfer\/(export|import|files)\.js$`;

const hooks = (pattern: string): string => `
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (/${pattern}/.test(r.url)) process.stderr.write('LOADED ' + r.url + '\\n');
  return r;
}`;

function loadedBy(code: string, pattern = WIRE_SCHEMAS): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'safehold-startup-'));
  try {
    writeFileSync(join(dir, 'hooks.mjs'), hooks(pattern));
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--input-type=module', '-e', code], { cwd, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('importing the SDK loads no wire schema (zod); the first checked answer does', () => {
  assert.deepEqual(loadedBy(`await import('@safehold/sdk');`), []);
  // The probe itself works: loading the schemas is seen.
  assert.ok(loadedBy(`await import('@safehold/protocol/api');`).some((l) => l.includes('/zod/')));
});

test('importing the SDK loads no import/export module (file formats, kdbxweb); the first export call does', () => {
  assert.deepEqual(loadedBy(`await import('@safehold/sdk');`, TRANSFER), []);
  const loaded = loadedBy(`const sdk = await import('@safehold/sdk'); await sdk.writeExportFile('csv', [], { allDatabases: false });`, TRANSFER);
  assert.ok(loaded.some((l) => l.includes('/sdk/dist/transfer/files.js')), loaded.join('\n'));
});

/** The Argon2 addon: about 45 ms of CPU to load, wanted only where a key is derived (ADR 0144). */
const ARGON2 = String.raw`\/node_modules\/@node-rs\/argon2`;

test("the header cache thread's modules load no Argon2 addon; the first key derivation does", () => {
  assert.deepEqual(loadedBy(`await import('./dist/offline/headerrows.js'); await import('./dist/offline/headercachewriter.js'); await import('@safehold/sdk');`, ARGON2), []);
  const loaded = loadedBy(`const c = await import('@safehold/crypto'); await c.argon2Raw(new Uint8Array(8), new Uint8Array(16), { type: 2, version: 0x13, memoryKiB: 64, iterations: 1, parallelism: 1, length: 32 });`, ARGON2);
  assert.ok(loaded.some((l) => l.includes('/@node-rs/argon2/')), loaded.join('\n'));
});
