/** @safehold/testkit: real servers, storages, PostgreSQL databases, temp dirs and a manual clock for tests and benchmarks. */
export { manualClock, type ManualClock } from './clock.js';
export { tempDir, removeDir } from './dirs.js';
export { createPgDatabase, testPgUrl, PG_START_HINT, type PgDatabase } from './pg.js';
export {
  startTestServer,
  openTestStorage,
  forEachBackend,
  BACKENDS,
  type Backend,
  type TestServer,
  type TestServerOptions,
} from './server.js';
export { api, b64, newId, newDeviceId, fakeRegistration, registerTestUser, rawRequest, type ApiAnswer, type TestUser } from './http.js';
export {
  SERVER_BIN,
  runServerBin,
  runProcess,
  storageArgs,
  startServerProcess,
  type BinResult,
  type ServerProcess,
  type StartOptions,
} from './binary.js';
export { registeredRoutes } from './routes.js';
