/**
 * The rows of a header cache being built by a sync (ADR 0076, 0095), with no sealing and no I/O: each record's
 * header decrypted into its row, the rows of the current page, and the name and id of every row for the
 * list order. Used by the writer on the sync's thread and by the header cache thread alike.
 */
import type { StoredRecord } from '@safehold/store';
import { decryptHeader } from '../keys/index.js';
import { sortByName } from '../search.js';
import { headerRow, type Row } from './headercache.js';

export type RowMeta = Pick<StoredRecord, 'id' | 'revision' | 'masked' | 'rights' | 'updatedAt' | 'header'>;

export class HeaderRows {
  private page: Row[] = [];
  /** Every row so far, by its index across the parts: its name and id (for the order), and whether it is still live. */
  private readonly names: string[] = [];
  private readonly ids: string[] = [];
  private readonly live: boolean[] = [];
  private readonly at = new Map<string, number>();

  /** Decrypts one record's header into the current page; throws when it does not decrypt or check. */
  add(r: RowMeta, headerKey: Uint8Array): void {
    const header = decryptHeader(headerKey, r.id, r.revision, r.header);
    this.page.push(headerRow(r, header));
    this.supersede(r.id);
    this.at.set(r.id, this.names.length);
    this.names.push(header.name);
    this.ids.push(r.id);
    this.live.push(true);
  }

  /** The rows of the current page (a new page starts); `removed` leave the order. */
  takePage(removed: readonly string[]): Row[] {
    for (const id of removed) this.supersede(id);
    const rows = this.page;
    this.page = [];
    return rows;
  }

  /** The indexes of the live rows in list order (the order sortByName gives a list). */
  order(): number[] {
    const rows: Array<{ name: string; id: string; i: number }> = [];
    for (let i = 0; i < this.names.length; i++) {
      if (this.live[i]) rows.push({ name: this.names[i] as string, id: this.ids[i] as string, i });
    }
    return sortByName(rows).map((x) => x.i);
  }

  private supersede(id: string): void {
    const i = this.at.get(id);
    if (i !== undefined) this.live[i] = false;
    this.at.delete(id);
  }
}
