/**
 * The offline record source (R11): list, search, show and copy from the offline database. Masked
 * records behave as online (copy yes, reveal no: R6); sealed records are never present (R5).
 */
import { SafeholdError, isRandomId, type HeaderPlain, type RecordPart } from '@safehold/protocol';
import type { Right } from '@safehold/protocol/api';
import type { StoredRecord } from '@safehold/store';
import { toView, type RecordView } from '../recordview.js';
import { mergeByNameFrom, prepareSearch, sortByName, sortLocale } from '../search.js';
import type { RecordSource, SourceRecord } from '../source.js';
import type { OfflineSession } from './unlock.js';
import { MAX_PARTS, extendHeaderCache, readHeaderCache, writeHeaderCache } from './headercache.js';
import { decryptHeader, decryptSecret, openOwnRecordKey } from '../keys/index.js';
import { openStoredSecretKey } from './storedkey.js';

function openKey(s: OfflineSession, r: Pick<StoredRecord, 'id'>, part: RecordPart, blob: Uint8Array): Uint8Array {
  return openOwnRecordKey(s.userKey, s.sidecar.user, r.id, part, blob);
}

function wireOf(r: Pick<StoredRecord, 'id' | 'masked' | 'sealed' | 'rights' | 'revision' | 'updatedAt'>): { id: string; masked: boolean; sealed: boolean; rights: Right[]; revision: string; updatedAt: string } {
  return { id: r.id, masked: r.masked, sealed: r.sealed, rights: r.rights as Right[], revision: r.revision, updatedAt: r.updatedAt };
}

function headerOf(s: OfflineSession, r: Pick<StoredRecord, 'id' | 'revision' | 'header' | 'headerKey'>): HeaderPlain {
  const k = openKey(s, r, 'header', r.headerKey);
  try {
    return decryptHeader(k, r.id, r.revision, r.header);
  } finally {
    k.fill(0);
  }
}

/** Above this many changed records, list() reads all headers in one scan rather than one by one. */
const BULK_CHANGES = 64;
/**
 * A cache is extended (the rechecked views as one more part) while its parts hold fewer than 1/REWRITE_SHARE
 * rows that are no longer listed (replaced or removed) beside the listed ones; then it is written whole again.
 */
const REWRITE_SHARE = 20;

/**
 * Membership in a few ids, for a pass over every cached view (a later unlock after a delta sync): a set lookup
 * hashes each of 100k strings fresh from the cache, so the ids' first three characters are looked up in a table
 * first and only the few that match there are hashed (up to the 5,000 changed ids of REWRITE_SHARE, about 2% of
 * the table is set). The pass over 100k views with 500 changed ids, timed inside list(): 62–89 ms with the set
 * alone, 30–71 ms with the table (ADR 0144, session 10). Exactly `ids.has(id)`.
 */
export function idMatcher(ids: ReadonlySet<string>): (id: string) => boolean {
  const prefixes = new Uint8Array(1 << 18);
  const prefix = (id: string): number => ((id.charCodeAt(0) & 63) << 12) | ((id.charCodeAt(1) & 63) << 6) | (id.charCodeAt(2) & 63);
  for (const id of ids) prefixes[prefix(id)] = 1;
  return (id) => prefixes[prefix(id)] === 1 && ids.has(id);
}

/** A RecordSource over an opened offline session. */
export class OfflineRecordSource implements RecordSource {
  readonly kind = 'offline' as const;
  constructor(private readonly session: OfflineSession) {}

  /** The offline session (for status and closing). */
  get offline(): OfflineSession {
    return this.session;
  }

  /** What the last list() did: headers taken from the cache, headers decrypted, whether the cache was written. */
  lastList: { cached: number; decrypted: number; cacheWritten: boolean } = { cached: 0, decrypted: 0, cacheWritten: false };

  /**
   * Every listable record, sorted by name. With a header cache, only the records the store's change log
   * names since the cache's generation are read and decrypted (integrity errors thrown as ever); without
   * one, every header is. The cache is written back, in list order, when anything changed.
   */
  async list(): Promise<readonly RecordView[]> {
    const s = this.session;
    const generation = s.store.generation();
    const cache = readHeaderCache(s);
    const changed = cache ? s.store.changedSince(cache.generation) : null;
    const layout = cache?.layout;
    let out: RecordView[] = [];
    /** The rechecked records, placed into the cached (sorted) part afterwards. */
    const fresh: RecordView[] = [];
    /** With a cache in parts: the stored row of each view in `out` that came from it. */
    let rows: number[] | null = null;
    let cached = 0;
    let decrypted = 0;
    const add = (r: Omit<StoredRecord, 'secret' | 'secretKey'>): void => {
      if (r.sealed) return;
      (cache && changed ? fresh : out).push(toView(wireOf(r), headerOf(s, r)));
      decrypted++;
    };
    if (!cache || !changed) {
      // No usable cache (first list after a sync that built the file, or an unreadable cache): decrypt every header.
      for (const r of s.store.listHeaders()) add(r);
    } else if (changed.length === 0) {
      // The usual later unlock: the cache as read (looking 100k ids up in an empty set cost about 50 ms).
      out = cache.views;
      rows = layout?.order ?? null;
      cached = out.length;
    } else {
      const dirty = new Set(changed);
      const isDirty = idMatcher(dirty);
      rows = layout ? [] : null;
      // The cache is in list order, so the sort below finds the cached part already sorted.
      for (let i = 0; i < cache.views.length; i++) {
        const v = cache.views[i] as RecordView;
        if (isDirty(v.id)) continue;
        out.push(v);
        rows?.push(layout?.order[i] as number);
        cached++;
      }
      // Many changes (a big sync): one sequential scan beats a lookup per record. "Many" is relative: a scan
      // reads every row (about 1.3 s at 100k), a lookup by id tens of microseconds.
      if (dirty.size > BULK_CHANGES && dirty.size * REWRITE_SHARE >= cache.views.length) {
        for (const r of s.store.listHeaders()) if (dirty.has(r.id)) add(r);
      } else {
        for (const id of dirty) {
          const r = s.store.getRecord(id);
          if (r) add(r);
        }
      }
    }
    // The cache is kept in list order for its locale: the cached part is in order as read, and the rechecked
    // records are placed into it (mergeByName: the order a whole sort gives, without sorting 100k names again).
    const sortedCache = cache !== null && cache.locale === sortLocale();
    if (sortedCache && changed) {
      if (fresh.length > 0) {
        const merged = mergeByNameFrom(out, fresh);
        out = merged.out;
        // fresh is now sorted: fresh[j] becomes the stored row layout.rows + j.
        if (rows && layout) rows = Array.from(merged.from, (k) => (k >= 0 ? (rows as number[])[k] as number : layout.rows - 1 - k));
      }
    } else {
      out.push(...fresh);
      sortByName(out);
      rows = null;
    }
    // Written back when there is no usable cache or anything changed since it was written: a cache in parts is
    // extended by the rechecked views (at 100k with 500 changed: 500 rows and the order, instead of 20 MB), so
    // the next unlock reads it as current; it is written whole when it has no parts, is in another order, or
    // would hold too many rows no longer listed.
    const current = sortedCache && changed !== null && changed.length === 0 && cache.generation === generation;
    let cacheWritten = false;
    if (!current) {
      const stale = layout ? layout.rows + fresh.length - out.length : 0;
      cacheWritten =
        rows && layout && stale * REWRITE_SHARE < out.length && layout.parts < MAX_PARTS
          ? extendHeaderCache(s, generation, layout, fresh, rows)
          : writeHeaderCache(s, generation, out);
    }
    this.lastList = { cached, decrypted, cacheWritten };
    // E5: records with a queued offline change are marked (after the cache is written: it never holds the mark).
    const pending = s.store.pendingIds();
    const marked = pending.size === 0 ? out : out.map((v) => (pending.has(v.id) ? { ...v, pending: true } : v));
    // Offline search runs over this list again and again: it gets an index, built at its first search.
    return prepareSearch(marked);
  }

  async get(id: string): Promise<SourceRecord> {
    const r = isRandomId(id) ? this.session.store.getRecord(id) : null;
    if (!r || r.sealed) throw new SafeholdError('not_found', `record ${id.slice(0, 64)} not found in the offline database`);
    const header = headerOf(this.session, r);
    const view: RecordView = toView(wireOf(r), header);
    if (this.session.store.pendingIds().has(r.id)) view.pending = true;
    let secret = null;
    if (r.secret && r.secretKey) {
      const k = openStoredSecretKey(this.session.userKey, this.session.sidecar.user, r.id, r.secretKey);
      try {
        secret = decryptSecret(k, r.id, r.revision, r.secret);
      } finally {
        k.fill(0);
      }
    }
    const maskedForMe = view.masked && !view.rights.includes('authorize');
    return { view, header: { username: header.username, url: header.url, fields: header.fields }, secret, canReveal: secret !== null && !maskedForMe };
  }

  /** Closes the offline database and zeroes the key. */
  close(): void {
    this.session.close();
  }
}
