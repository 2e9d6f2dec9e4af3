/**
 * The encrypted header cache of the offline database: the decrypted header part (HeaderPlain, never a
 * secret) of every listable record, keyed by id and checked against the record's revision and header
 * GCM tag, so that an offline unlock decrypts one blob instead of two envelopes per record.
 * It lives in the store's cache table, AES-256-GCM under the user key; any cache that does not open
 * or parse is treated as absent and rebuilt: the cache is never a reason for an error.
 */
import { decrypt, encrypt, fromUtf8, utf8 } from '@safehold/crypto';
import type { HeaderPlain } from '@safehold/protocol';
import { asHeaderPlain } from '../recordcrypto.js';
import type { OfflineSession } from './unlock.js';

const CACHE_KEY = 'headers';
const FORMAT = 1;

/** [revision, header tag (base64url), header] of one record. */
export type CacheEntry = [revision: string, tag: string, header: HeaderPlain];

/** Id -> entry (read with Object.hasOwn: a parsed table has Object's prototype). */
export type CacheEntries = Record<string, CacheEntry>;

function aad(s: OfflineSession): Uint8Array {
  return utf8(`safehold/v1/offline/header-cache/${s.sidecar.user}`);
}

/** An empty entry table. */
export function emptyEntries(): CacheEntries {
  return Object.create(null) as CacheEntries;
}

/** The header cache of the session's store, or an empty table when absent, unreadable or malformed. */
export function readHeaderCache(s: OfflineSession): CacheEntries {
  const blob = s.store.getCache(CACHE_KEY);
  if (!blob) return emptyEntries();
  let plain: Uint8Array | undefined;
  try {
    plain = decrypt(s.userKey, blob, aad(s));
    const doc = JSON.parse(fromUtf8(plain)) as { v?: unknown; h?: unknown } | null;
    if (!doc || doc.v !== FORMAT || !doc.h || typeof doc.h !== 'object' || Array.isArray(doc.h)) return emptyEntries();
    return doc.h as CacheEntries;
  } catch {
    return emptyEntries();
  } finally {
    plain?.fill(0);
  }
}

/** The cached header of a record when the entry matches its revision and header tag, else null. */
export function cachedHeader(entries: CacheEntries, id: string, revision: string, tag: string): HeaderPlain | null {
  const e = Object.hasOwn(entries, id) ? entries[id] : undefined;
  if (!Array.isArray(e) || e[0] !== revision || e[1] !== tag) return null;
  return asHeaderPlain(e[2]);
}

/** Writes the cache back, best effort: a file that cannot be written just keeps its old cache. */
export function writeHeaderCache(s: OfflineSession, entries: CacheEntries): boolean {
  let plain: Uint8Array | undefined;
  try {
    plain = utf8(JSON.stringify({ v: FORMAT, h: entries }));
    s.store.setCache(CACHE_KEY, encrypt(s.userKey, plain, aad(s)));
    return true;
  } catch {
    return false;
  } finally {
    plain?.fill(0);
  }
}

/** The base64url form of a header envelope's GCM tag (its last 16 bytes). */
export function tagOf(tagOrEnvelope: Uint8Array): string {
  const t = tagOrEnvelope.byteLength > 16 ? tagOrEnvelope.subarray(tagOrEnvelope.byteLength - 16) : tagOrEnvelope;
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64url');
}
