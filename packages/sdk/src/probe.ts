/** Small server questions the CLI and the local UI ask without opening a record: offline info, reachability. */
import { SafeholdError, asDatabaseId } from '@safehold/protocol';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { OfflineInfo } from '@safehold/protocol/api';
import type { ClientContext } from './context.js';
import { ApiClient } from './http.js';

/** The server's offline settings of database `db` for this user (GET /db/:db/offline). */
export async function fetchOfflineInfo(ctx: Pick<ClientContext, 'api'>, db: string): Promise<OfflineInfo> {
  return ctx.api.call(E.offlineInfo, { db: asDatabaseId(db) });
}

/** False only when the server at `server` cannot be reached within `connectTimeoutMs` (any answer counts as up). */
export async function serverReachable(server: string, connectTimeoutMs: number): Promise<boolean> {
  const api = new ApiClient({ baseUrl: server, connectTimeoutMs });
  try {
    await api.call(E.serverKey, {});
    return true;
  } catch (e) {
    return !(e instanceof SafeholdError && e.code === 'unreachable');
  } finally {
    api.close();
  }
}
