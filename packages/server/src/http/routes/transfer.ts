/** Import and export endpoints under /v1/db/:db (issue 15). Parse, authenticate, call the service. */
import type { FastifyInstance } from 'fastify';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import type { AppDeps } from '../deps.js';
import { route } from '../route.js';
import type { Services } from '../services.js';

export function registerTransferRoutes(app: FastifyInstance, deps: AppDeps, s: Services): void {

  route(app, deps, E.importRecords, async ({ caller: { auth, scope }, input }) => s.transfer.importRecords(auth, scope, input));

  route(app, deps, E.importCheck, async ({ caller: { auth, scope }, input }) => s.transfer.checkImport(auth, scope, input));

  route(app, deps, E.exportRecords, async ({ caller: { auth, scope }, input }) => s.transfer.exportRecords(auth, scope, input));
}
