/** Every route module registers itself here with one line. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { registerAccountRoutes } from './accounts.js';
import { registerRecordRoutes } from './records.js';
import { registerRoleRoutes } from './roles.js';
import { registerReleaseRoutes } from './releases.js';
import { registerOfflineRoutes } from './offline.js';
import { registerTransferRoutes } from './transfer.js';

export function registerRoutes(app: FastifyInstance, deps: AppDeps): void {
  registerAccountRoutes(app, deps);
  registerRecordRoutes(app, deps);
  registerRoleRoutes(app, deps);
  registerReleaseRoutes(app, deps);
  registerOfflineRoutes(app, deps);
  registerTransferRoutes(app, deps);
}
