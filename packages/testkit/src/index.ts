/**
 * @safehold/testkit: real servers, storages, PostgreSQL databases, temp dirs and a manual clock for
 * tests and benchmarks. Every test helper, fixture and fake of the repository lives in this package;
 * the narrower ones have their own entry points:
 *   @safehold/testkit/records         record/rights/seal spec harness of the server
 *   @safehold/testkit/offline-server  offline sync spec helpers of the server (routes, spy, offline client)
 *   @safehold/testkit/sdk             the SDK specs' real server, homes and users
 *   @safehold/testkit/sdk-offline     the SDK offline specs' users, contexts and fake sync server
 *   @safehold/testkit/store           the offline store's crash child
 */
export * from './server/index.js';
