/** The repositories' handle on storage: the Kysely instance or a transaction on it. */
import type { Kysely, Transaction } from 'kysely';
import type { Tables } from '../storage/schema.js';

/** A Kysely handle: the storage itself or a transaction on it (services/changes.ts re-exports it). */
export type Db = Kysely<Tables> | Transaction<Tables>;
