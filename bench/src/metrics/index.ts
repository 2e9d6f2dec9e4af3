/** The metric registry, in table order. A baseline precedes the metrics measured against it. */
import type { MetricDef } from '../metric.js';
import { cryptoFloor } from './crypto-floor.js';
import { cliStart, nodeStart } from './cli-start.js';
import { keepassxcOpenSearch } from './keepassxc.js';
import {
  clientSyncRss,
  delta100,
  firstSync,
  fullResync,
  kdfFloor,
  noChangeClient,
  noChangeServer,
  firstUnlockAfterSync,
  firstContact,
  offlineSearchP95,
  offlineUnlock,
  offlinePush1000,
} from './sync.js';
import { cliOfflineList, cliOfflineSearch } from './cli-offline.js';
import { httpFloor, serverLoadPg, serverLoadSqlite } from './load.js';
import { serverLoadPg2x } from './loadscale.js';
import { exportKdbx, importBitwardenJson, keepassxcExport } from './transfer.js';
import { uiFirstList, uiFirstListCold, uiSdkCopyList, uiSdkList, uiSdkSearchP95, uiSearchP95 } from './ui.js';

export const METRICS: MetricDef[] = [
  cryptoFloor,
  firstSync,
  clientSyncRss,
  fullResync,
  noChangeServer,
  noChangeClient,
  delta100,
  kdfFloor,
  firstUnlockAfterSync,
  firstContact,
  offlineUnlock,
  offlineSearchP95,
  keepassxcOpenSearch,
  cliOfflineSearch,
  cliOfflineList,
  nodeStart,
  cliStart,
  httpFloor,
  serverLoadSqlite,
  serverLoadPg,
  serverLoadPg2x,
  keepassxcExport,
  exportKdbx,
  importBitwardenJson,
  uiSdkList,
  uiSdkCopyList,
  uiFirstList,
  uiFirstListCold,
  uiSdkSearchP95,
  uiSearchP95,
  // Last of the sync client's figures: it changes 1,000 of its records.
  offlinePush1000,
];
