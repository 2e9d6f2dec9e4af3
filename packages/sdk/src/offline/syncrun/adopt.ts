/** Key adoption on the server (spec §4): best effort, in batches; the first failure turns it off for the run. */
import { MAX_ADOPT_BATCH } from '@safehold/protocol';
import type { AdoptBatchRequest } from '@safehold/protocol/api';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { asDatabaseId } from '@safehold/protocol';
import type { ClientContext } from '../../context.js';
import type { AdoptItem } from './records.js';

export class KeyAdopter {
  private off = false;

  constructor(
    private readonly ctx: ClientContext,
    private readonly db: string,
  ) {}

  async adopt(items: readonly AdoptItem[]): Promise<void> {
    if (this.off || items.length === 0) return;
    try {
      for (let i = 0; i < items.length; i += MAX_ADOPT_BATCH) {
        const body: AdoptBatchRequest = { keys: items.slice(i, i + MAX_ADOPT_BATCH) };
        await this.ctx.api.call(E.adoptKeysBatch, { db: asDatabaseId(this.db) }, body);
      }
    } catch {
      // Adoption only saves the server-side asymmetric work of later syncs; the offline copy is already symmetric.
      this.off = true;
    }
  }
}
