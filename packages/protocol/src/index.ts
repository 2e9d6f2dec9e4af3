/** @safehold/protocol: ids, errors and record formats shared by server and clients. Schemas: `@safehold/protocol/api`. */
export * from './ids.js';
export * from './errors.js';
export * from './records.js';
export * from './constants.js';
