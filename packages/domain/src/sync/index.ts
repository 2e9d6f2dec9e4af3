/** The pure sync core (docs/adr/0060-sync-core.md): the server's page decision and delta walk, the client's page applier. */
export * from './page.js';
export * from './walk.js';
export * from './applier.js';
