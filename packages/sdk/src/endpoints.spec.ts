/**
 * The SDK reaches the server only through `ApiClient.call` and the endpoint table: no production file
 * sends a request by method and path string. `offline/sync.ts` is the one file still to move (it is being
 * rewritten as the pure sync core, issue 11 item 1); it is named here so that the list can only shrink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NOT_YET_MOVED = new Set<string>([]);

function sources(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full, `${base}${name}/`));
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) out.push(`${base}${name}`);
  }
  return out;
}

test('no SDK file but the HTTP client spells a method and path: every call goes through the endpoint table', () => {
  // Specs run from dist; the sources are beside it in src.
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  const files = sources(src);
  assert.ok(files.length > 40, `found ${files.length} SDK sources`);
  const offenders: string[] = [];
  for (const f of files) {
    if (f === 'http.ts') continue;
    const text = readFileSync(join(src, f), 'utf8');
    if (/\.request\(\s*'(GET|POST|PUT|DELETE)'/.test(text) || /['`]\/(db|me|users|devices|server-key|prelogin|register|login|logout)\b/.test(text)) {
      offenders.push(f);
    }
  }
  assert.deepEqual(offenders.filter((f) => !NOT_YET_MOVED.has(f)), [], 'files with a request path of their own');
  for (const f of NOT_YET_MOVED) assert.ok(offenders.includes(f), `${f} no longer spells a path: take it off NOT_YET_MOVED`);
});
