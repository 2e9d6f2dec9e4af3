/** Import and export endpoints under /v1/db/:db (issue 15). Parse, authenticate, call the service. */
import type { FastifyInstance } from 'fastify';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import { checkImport, exportRecords, importRecords } from '../../services/transfer.js';

export function registerTransferRoutes(app: FastifyInstance, deps: AppDeps): void {
  const store = () => deps.storage.db;

  route(app, deps, E.importRecords, async ({ caller: { auth, scope }, input }) => importRecords(store(), deps.clock, auth, scope, input));

  route(app, deps, E.importCheck, async ({ caller: { auth, scope }, input }) => checkImport(store(), auth, scope, input));

  route(app, deps, E.exportRecords, async ({ caller: { auth, scope }, input }) => exportRecords(store(), deps.clock, auth, scope, input));
}
