/**
 * The offline record source (R11): list, search, show and copy from the offline database. Masked
 * records behave as online (copy yes, reveal no: R6); sealed records are never present (R5).
 */
import { decrypt } from '@safehold/crypto';
import { SafeholdError, isRandomId, keyWrapAad, type HeaderPlain, type RecordPart } from '@safehold/protocol';
import type { Right } from '@safehold/protocol/api';
import type { HeaderRow, StoredRecord } from '@safehold/store';
import { decryptHeader, decryptSecret, integrityError, toView, type RecordView } from '../recordcrypto.js';
import { prepareSearch, sortByName } from '../search.js';
import type { RecordSource, SourceRecord } from '../source.js';
import type { OfflineSession } from './unlock.js';
import { cachedHeader, emptyEntries, readHeaderCache, tagOf, writeHeaderCache } from './headercache.js';

function openKey(s: OfflineSession, r: Pick<StoredRecord, 'id'>, part: RecordPart, blob: Uint8Array): Uint8Array {
  try {
    return decrypt(s.userKey, blob, keyWrapAad(r.id, part, `user:${s.sidecar.user}`));
  } catch {
    throw integrityError(r.id);
  }
}

function wireOf(r: Pick<StoredRecord, 'id' | 'masked' | 'sealed' | 'rights' | 'revision' | 'updatedAt'>): { id: string; masked: boolean; sealed: boolean; rights: Right[]; revision: string; updatedAt: string } {
  return { id: r.id, masked: r.masked, sealed: r.sealed, rights: r.rights as Right[], revision: r.revision, updatedAt: r.updatedAt };
}

function headerOf(s: OfflineSession, r: HeaderRow): HeaderPlain {
  const k = openKey(s, r, 'header', r.headerKey);
  try {
    return decryptHeader(k, r.id, r.revision, r.header);
  } finally {
    k.fill(0);
  }
}

/** Above this many header cache misses, list() reads all headers in one scan rather than one by one. */
const BULK_MISSES = 64;

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
   * Every listable record, sorted by name. Headers come from the encrypted header cache when the
   * record's revision and header tag match; the others are decrypted (integrity errors thrown as
   * ever) and the cache is written back when anything changed.
   */
  async list(): Promise<RecordView[]> {
    const s = this.session;
    const cache = readHeaderCache(s);
    const next = emptyEntries();
    const out: RecordView[] = [];
    let cached = 0;
    let decrypted = 0;
    const cacheSize = Object.keys(cache).length;
    if (cacheSize === 0) {
      // No cache (first list after a sync, or an unreadable cache): one scan decrypting every header, as without a cache.
      for (const r of s.store.listHeaders()) {
        if (r.sealed) continue;
        const header = headerOf(s, r);
        decrypted++;
        next[r.id] = [r.revision, tagOf(r.header), header];
        out.push(toView(wireOf(r), header));
      }
    } else {
      const metas = s.store.listMeta().filter((m) => !m.sealed);
      const tags = metas.map((m) => tagOf(m.headerTag));
      const hits = metas.map((m, i) => cachedHeader(cache, m.id, m.revision, tags[i] ?? ''));
      // Many misses (first list after a big sync): one sequential scan beats a lookup per record.
      const misses = hits.reduce((n, h) => (h ? n : n + 1), 0);
      const bulk = misses > BULK_MISSES ? new Map(s.store.listHeaders().map((r) => [r.id, r])) : null;
      for (const [i, m] of metas.entries()) {
        let revision = m.revision;
        let tag = tags[i] ?? '';
        let header = hits[i] ?? null;
        if (header) {
          cached++;
        } else {
          const row = bulk ? bulk.get(m.id) : s.store.getHeaderRow(m.id);
          if (!row) continue;
          header = headerOf(s, row);
          revision = row.revision;
          tag = tagOf(row.header);
          decrypted++;
        }
        next[m.id] = [revision, tag, header];
        out.push(toView({ ...wireOf(m), revision }, header));
      }
    }
    // Entries of records now gone (removed, sealed) or stale make the cached count fall short of its size.
    const changed = decrypted > 0 || cached !== cacheSize;
    const cacheWritten = changed ? writeHeaderCache(s, next) : false;
    this.lastList = { cached, decrypted, cacheWritten };
    sortByName(out);
    // Offline search runs over this list again and again: fold its text once, at unlock.
    prepareSearch(out);
    return out;
  }

  async get(id: string): Promise<SourceRecord> {
    const r = isRandomId(id) ? this.session.store.getRecord(id) : null;
    if (!r || r.sealed) throw new SafeholdError('not_found', `record ${id.slice(0, 64)} not found in the offline database`);
    const header = headerOf(this.session, r);
    const view = toView(wireOf(r), header);
    let secret = null;
    if (r.secret && r.secretKey) {
      const k = openKey(this.session, r, 'secret', r.secretKey);
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
