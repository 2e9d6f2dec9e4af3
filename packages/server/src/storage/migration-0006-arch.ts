/**
 * 0006_arch_grant_rights_mask: a grant's rights become a bit mask (`grants.rights_mask`, domain
 * RIGHT_BIT) instead of a comma list, so the one resolver (repositories/access.ts) folds integers and
 * "holds export" is a bit test served by a partial index (`grants_export`) instead of `LIKE '%export%'`.
 * Existing rows are converted with THE parser (domain parseRightsList: words trimmed, unknown words
 * dropped), one UPDATE per distinct stored list. Same statements on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { parseRightsList, rightsMask, rightsOfMask, RIGHT_BIT } from '@safehold/domain';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
type AnyDb = Kysely<any>;

/** The partial-index predicate; queries that test export must spell it the same way to use the index. */
export const EXPORT_BIT = RIGHT_BIT.export;

export const m0006ArchGrantRightsMask = (): Migration => ({
  async up(db: AnyDb) {
    await db.schema.alterTable('grants').addColumn('rights_mask', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    const lists = await db.selectFrom('grants').select('rights').distinct().execute();
    for (const { rights } of lists as Array<{ rights: string }>) {
      await db.updateTable('grants').set({ rights_mask: rightsMask(parseRightsList(rights)) }).where('rights', '=', rights).execute();
    }
    await db.schema.alterTable('grants').dropColumn('rights').execute();
    await sql`create index grants_export on grants (holder_kind, holder_id, record_id) where (rights_mask & ${sql.lit(EXPORT_BIT)}) <> 0`.execute(db);
  },
  async down(db: AnyDb) {
    await sql`drop index if exists grants_export`.execute(db);
    await db.schema.alterTable('grants').addColumn('rights', 'text', (c) => c.notNull().defaultTo('')).execute();
    const masks = await db.selectFrom('grants').select('rights_mask').distinct().execute();
    for (const { rights_mask } of masks as Array<{ rights_mask: number }>) {
      await db.updateTable('grants').set({ rights: rightsOfMask(Number(rights_mask)).join(',') }).where('rights_mask', '=', rights_mask).execute();
    }
    await db.schema.alterTable('grants').dropColumn('rights_mask').execute();
  },
});
