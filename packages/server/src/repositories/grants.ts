/** Grant and key rows of records: who holds which rights mask and which wrapped keys. Queries only. */
import type { HolderKind } from '../storage/schema.js';
import type { Conn } from './db.js';

/** A grant or key holder: a user or a role, by id. */
export interface Holder {
  kind: HolderKind;
  id: string;
}

/** A record_keys row to write: one holder's wrapped keys of one record. */
export interface KeyRowInput {
  record_id: string;
  holder_kind: HolderKind;
  holder_id: string;
  header_key: string;
  secret_key: string | null;
}

/** Every grant of a record. */
export async function grantsOfRecord(db: Conn, recordId: string) {
  return db.selectFrom('grants').selectAll().where('record_id', '=', recordId).execute();
}

/** Sets the holder's grant on the record to exactly `mask`. */
export async function putGrantRow(db: Conn, recordId: string, holder: Holder, mask: number): Promise<void> {
  await db
    .insertInto('grants')
    .values({ record_id: recordId, holder_kind: holder.kind, holder_id: holder.id, rights_mask: mask })
    .onConflict((oc) => oc.columns(['record_id', 'holder_kind', 'holder_id']).doUpdateSet({ rights_mask: mask }))
    .execute();
}

/** True when the holder has a key row for the record. */
export async function holdsKeyRow(db: Conn, recordId: string, holder: Holder): Promise<boolean> {
  const row = await db
    .selectFrom('record_keys')
    .select('holder_id')
    .where('record_id', '=', recordId)
    .where('holder_kind', '=', holder.kind)
    .where('holder_id', '=', holder.id)
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes the holder's grant and key row of the record; how many of each went. */
export async function deleteHolderRows(db: Conn, recordId: string, holder: Holder): Promise<{ grants: number; keys: number }> {
  const del = (table: 'grants' | 'record_keys') =>
    db.deleteFrom(table).where('record_id', '=', recordId).where('holder_kind', '=', holder.kind).where('holder_id', '=', holder.id).executeTakeFirst();
  const g = await del('grants');
  const k = await del('record_keys');
  return { grants: Number(g.numDeletedRows), keys: Number(k.numDeletedRows) };
}

/** Inserts or replaces key rows, in batches; a null secret key never erases a stored one. */
export async function upsertKeys(db: Conn, rows: readonly KeyRowInput[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) {
    await db
      .insertInto('record_keys')
      .values(rows.slice(i, i + 400))
      .onConflict((oc) =>
        oc.columns(['record_id', 'holder_kind', 'holder_id']).doUpdateSet((eb) => ({
          header_key: eb.ref('excluded.header_key'),
          secret_key: eb.fn.coalesce(eb.ref('excluded.secret_key'), eb.ref('record_keys.secret_key')),
        })),
      )
      .execute();
  }
}

/** id -> name of the given roles. */
export async function roleNames(db: Conn, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  for (const r of await db.selectFrom('roles').select(['id', 'name']).where('id', 'in', [...new Set(ids)]).execute()) out.set(r.id, r.name);
  return out;
}
