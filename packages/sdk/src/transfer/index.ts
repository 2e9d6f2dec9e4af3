/** Import and export (issue 15): the neutral record form, the server round trips, and the file formats. */
export * from './portable.js';
export * from './export.js';
export * from './import.js';
export * from './files.js';
