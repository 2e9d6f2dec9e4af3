/**
 * The composition root of the HTTP application's services: each is built once, here, from the app's
 * dependencies (storage connection, clock, signer, limits, server id), and the routes call them. Services
 * hold the rules; the queries they run are the repositories' (src/repositories/).
 */
import type { AppDeps } from './deps.js';
import { AccountService, type AccountsDeps } from '../services/accounts.js';
import { RecordService } from '../services/records.js';
import { GrantService } from '../services/grants.js';
import { SealService } from '../services/seals.js';
import { RoleService } from '../services/roles.js';
import { ReleaseService } from '../services/releases.js';
import { TransferService } from '../services/transfer.js';
import { SyncService } from '../services/sync.js';
import { WipeOrderService, type OfflineDeps } from '../services/wipe.js';
import { OfflinePushService } from '../services/offlinepush.js';

export interface Services {
  accounts: AccountService;
  records: RecordService;
  grants: GrantService;
  seals: SealService;
  roles: RoleService;
  releases: ReleaseService;
  transfer: TransferService;
  sync: SyncService;
  wipeOrders: WipeOrderService;
  offlinePush: OfflinePushService;
}

export function composeServices(deps: AppDeps): Services {
  const { db, dialect } = deps.storage;
  const clock = deps.clock;
  const accounts: AccountsDeps = { db, clock, signer: deps.signer, limits: deps.limits, ...(deps.authHasher ? { hashAuthKey: deps.authHasher } : {}) };
  const offline: OfflineDeps = { db, clock, signer: deps.signer, serverId: deps.serverId, dialect };
  return {
    accounts: new AccountService(accounts),
    records: new RecordService(db, clock),
    grants: new GrantService(db, clock),
    seals: new SealService(db, clock),
    roles: new RoleService(db, clock),
    releases: new ReleaseService(db, clock),
    transfer: new TransferService(db, clock),
    sync: new SyncService(offline),
    wipeOrders: new WipeOrderService(offline),
    offlinePush: new OfflinePushService(db, clock),
  };
}
