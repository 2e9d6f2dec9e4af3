/**
 * @safehold/testkit: real servers, storages, PostgreSQL databases, temp dirs and a manual clock for
 * tests and benchmarks. The implementation lives in @safehold/server/testing so that the server's own
 * specs can use it too (a project reference cannot go both ways).
 */
export * from '@safehold/server/testing';
