/** @safehold/sdk: the client library of Safehold (sessions, vault, sharing, roles, seals, search, events). */
export * from './http.js';
export * from './events.js';
export * from './home.js';
export * from './context.js';
export { Keyring, holderString, type KeyringOptions, type RecordKeys, encryptPart, decryptHeader, decryptSecret, generatePassword, fromB64 } from './keys/index.js';
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
