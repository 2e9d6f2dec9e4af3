/** Import and export endpoints under /v1/db/:db (issue 15). Parse, authenticate, call the service. */
import type { FastifyInstance } from 'fastify';
import { ExportRequest, ImportCheckRequest, ImportRequest, type ExportResponse, type ImportCheckResponse, type ImportResponse } from '@safehold/protocol/transfer';
import type { AppDeps } from '../deps.js';
import { V1 } from '../paths.js';
import { noQuery, parse } from '../validate.js';
import { callerIn } from '../caller.js';
import { checkImport, exportRecords, importRecords } from '../../services/transfer.js';

export function registerTransferRoutes(app: FastifyInstance, deps: AppDeps): void {
  const store = () => deps.storage.db;

  app.post(`${V1}/db/:db/import`, async (req): Promise<ImportResponse> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    return importRecords(store(), deps.clock, auth, scope, parse(ImportRequest, req.body));
  });

  app.post(`${V1}/db/:db/import/check`, async (req): Promise<ImportCheckResponse> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    return checkImport(store(), auth, scope, parse(ImportCheckRequest, req.body));
  });

  app.post(`${V1}/db/:db/export`, async (req): Promise<ExportResponse> => {
    const { auth, scope } = await callerIn(req, deps);
    noQuery(req);
    return exportRecords(store(), deps.clock, auth, scope, parse(ExportRequest, req.body));
  });
}
