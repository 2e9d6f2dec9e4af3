/** @safehold/server: the server, its storage and the Server Manager, for the binary, the testkit and benchmarks. */
export { openStorage, type Storage, type OpenStorageOptions } from './storage/open.js';
export { migrateToLatest, MIGRATION_NAMES } from './storage/migrations.js';
export type { Tables } from './storage/schema.js';
export { systemClock, type Clock } from './clock.js';
export { DEFAULT_RATE_LIMITS, resolveLimits, SESSION_TTL_MS, INVITE_TTL_MS, SERVER_VERSION, type RateLimits } from './config.js';
export { startServer, loadServerId, type StartServerOptions, type RunningServer } from './server.js';
export { buildApp, type BuildAppOptions } from './http/app.js';
export type { AppDeps } from './http/deps.js';
export { loadServerSigner, type ServerSigner } from './services/serverkey.js';
export { AdminService, type DbSummary, type UserSummary, type RoleSummary, type DeviceSummary } from './services/admin.js';
export { writeAudit, listAudit, type AuditEntry, type AuditEvent } from './services/audit.js';
export { requireMember, type Membership } from './services/accounts.js';
export type { Caller, DbScope } from './caller.js';
