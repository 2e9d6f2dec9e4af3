/** Every route module registers itself here with one line. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import type { Services } from '../services.js';
import { registerAccountRoutes } from './accounts.js';
import { registerRecordRoutes } from './records.js';
import { registerRoleRoutes } from './roles.js';
import { registerReleaseRoutes } from './releases.js';
import { registerOfflineRoutes } from './offline.js';
import { registerTransferRoutes } from './transfer.js';

export function registerRoutes(app: FastifyInstance, deps: AppDeps, services: Services): void {
  registerAccountRoutes(app, deps, services);
  registerRecordRoutes(app, deps, services);
  registerRoleRoutes(app, deps, services);
  registerReleaseRoutes(app, deps, services);
  registerOfflineRoutes(app, deps, services);
  registerTransferRoutes(app, deps, services);
}
