/** Imports: the source tags of imported records (record_sources) and the bulk insert of one chunk. */
import type { Insertable } from 'kysely';
import type { ChangesTable, RecordKeysTable, RecordSourcesTable, RecordsTable, RevisionsTable } from '../storage/schema.js';
import type { Conn } from './db.js';

/** The live records the user imported into the database from any of `sources`. */
export async function importedFrom(db: Conn, dbId: string, userId: string, sources: readonly string[]) {
  return db
    .selectFrom('record_sources as s')
    .innerJoin('records as r', 'r.id', 's.record_id')
    .select(['s.source', 's.record_id'])
    .where('s.db_id', '=', dbId)
    .where('s.user_id', '=', userId)
    .where('s.source', 'in', [...sources])
    .where('r.deleted_at', 'is', null)
    .execute();
}

/** One chunk of an import: records, their revision chains (in chunks of `revisionChunk`), key rows, source tags and change rows. */
export async function insertImported(
  trx: Conn,
  c: {
    records: Insertable<RecordsTable>[];
    revisions: Insertable<RevisionsTable>[];
    revisionChunk: number;
    keys: Insertable<RecordKeysTable>[];
    sources: Insertable<RecordSourcesTable>[];
    changes: Insertable<ChangesTable>[];
  },
): Promise<void> {
  await trx.insertInto('records').values(c.records).execute();
  for (let k = 0; k < c.revisions.length; k += c.revisionChunk) await trx.insertInto('revisions').values(c.revisions.slice(k, k + c.revisionChunk)).execute();
  await trx.insertInto('record_keys').values(c.keys).execute();
  await trx.insertInto('record_sources').values(c.sources).execute();
  await trx.insertInto('changes').values(c.changes).execute();
}
