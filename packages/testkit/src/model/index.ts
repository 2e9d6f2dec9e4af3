/** @safehold/testkit/model: the in-memory reference model of the sync protocol (docs/adr/0060-sync-core.md). */
export * from './server.js';
export * from './client.js';
