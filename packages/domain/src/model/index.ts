/** @safehold/domain/model: the in-memory reference model of the sync protocol (test support only). */
export * from './server.js';
export * from './client.js';
