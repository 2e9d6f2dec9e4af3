/** @safehold/domain: pure rules with no I/O (eligibility, delta planning, leases). */
export * from './eligibility.js';
export * from './rights.js';
export * from './cursor.js';
export * from './lease.js';
export * from './offlineuse.js';
export * from './merge.js';
export * from './sync/index.js';
