/**
 * @safehold/sdk/internal: every module of the SDK, internals included (key derivation, keyring, record
 * crypto, throttle, sync engine parts). For the SDK's own tests, testkit and e2e set-up only: production
 * code (cli, web, bench, server) uses the curated front door `@safehold/sdk` (a dependency-cruiser rule).
 */
export * from './http.js';
export * from './events.js';
export * from './home.js';
export * from './context.js';
export * from './keys/index.js';
export * from './recordview.js';
export * from './search.js';
export * from './source.js';
export * from './session.js';
export * from './sessionops.js';
export * from './vault.js';
export * from './history.js';
export * from './pinning.js';
export * from './sharing.js';
export * from './roles.js';
export * from './seals.js';
export * from './addons.js';
// Loading the Offline Add-on registers it with the core (see addons.ts).
export * from './offline/index.js';
export * from './transfer/index.js';
export * from './serverkey.js';
export * from './rolekeys.js';
export * from './probe.js';
