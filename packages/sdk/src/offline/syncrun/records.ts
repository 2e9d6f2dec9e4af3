/**
 * Wire records to stored rows: each record's keys are opened and, when they arrived for a public key
 * (shared, role), re-wrapped under the user key, so that offline unlock is symmetric only. Sealed or
 * keyless records (and records of another database) become removals (R5), whatever the server sent.
 */
import type { AdoptBatchRequest, RecordWire } from '@safehold/protocol/api';
import type { StoredRecord } from '@safehold/store';
import type { ClientContext } from '../../context.js';
import { fromB64, toB64, zero } from '../../keys/index.js';
import type { HeaderCacheSink } from '../headercachewriter.js';

export type AdoptItem = AdoptBatchRequest['keys'][number];

export interface PreparedPage {
  records: StoredRecord[];
  removed: string[];
  /** Keys re-wrapped under the user key, for the server to adopt (spec §4). */
  adopt: AdoptItem[];
}

/** Turns the wire records of a page into stored rows (role keys are loaded once per run, on first need). */
export class RecordPreparer {
  private rolesLoaded = false;

  constructor(
    private readonly ctx: ClientContext,
    private readonly db: string,
  ) {}

  /** `headerCache`: the writer of a fresh build's header cache (ADR 0076), fed each header key before it is zeroed. */
  async prepare(wires: readonly RecordWire[], removedIds: readonly string[], headerCache?: HeaderCacheSink | null): Promise<PreparedPage> {
    const out: PreparedPage = { records: [], removed: [...removedIds], adopt: [] };
    const kr = this.ctx.keyring;
    for (const w of wires) {
      if (w.sealed || !w.keys || !w.keyHolder || w.db !== this.db) {
        // R5: a sealed record never enters the file, whatever the server sent.
        out.removed.push(w.id);
        continue;
      }
      if (w.keyHolder.kind === 'role' && !this.rolesLoaded) {
        await kr.rolePrivateKeys(this.db);
        this.rolesLoaded = true;
      }
      // An own secret key wrap is stored unopened: it is checked where it is opened (ADR 0095, storedkey.ts).
      const keys = kr.storedRecordKeys(w, { ownSecretUnopened: true });
      try {
        const stored = storedOf(w, keys.headerWrap, keys.secretWrap);
        headerCache?.add(stored, keys.headerKey);
        out.records.push(stored);
        if (keys.shared) out.adopt.push({ record: w.id, header: toB64(keys.headerWrap), secret: keys.secretWrap ? toB64(keys.secretWrap) : null });
      } finally {
        zero(keys.headerKey, keys.secretKey);
      }
    }
    return out;
  }
}

function storedOf(w: RecordWire, headerKey: Uint8Array, secretKey: Uint8Array | null): StoredRecord {
  return {
    id: w.id,
    db: w.db,
    revision: w.revision,
    creator: w.creator,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    updatedBy: w.updatedBy,
    masked: w.masked,
    sealed: false,
    rights: [...w.rights],
    header: fromB64(w.header),
    secret: w.secret === null ? null : fromB64(w.secret),
    headerKey,
    secretKey,
  };
}
