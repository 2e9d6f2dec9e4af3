/**
 * Test helper (not product code): applies sync pages to an offline file forever, printing the number
 * of each committed page, so that a test can kill -9 it mid-apply and check what survives.
 * argv: <path> <hexFileKey> <recordsPerPage> [build] (`build`: the file is an unfinished rebuild, opened as one)
 */
import { OfflineStore, type StoredRecord } from '@safehold/store';

const [path, hexKey, perPageArg, kind] = process.argv.slice(2);
if (!path || !hexKey || !perPageArg) throw new Error('usage: crash-child <path> <hexKey> <perPage>');
const perPage = Number(perPageArg);
const store = OfflineStore.open(path, new Uint8Array(Buffer.from(hexKey, 'hex')), { build: kind === 'build' });
let page = Number(store.meta().cursor);
const blob = new Uint8Array(2048).fill(7);
for (;;) {
  page++;
  const records: StoredRecord[] = [];
  for (let i = 0; i < perPage; i++) {
    const id = `r${String(page).padStart(6, '0')}-${String(i).padStart(5, '0')}`.padEnd(22, 'x');
    records.push({
      id, db: 'main', revision: 'rev', creator: 'u', createdAt: 't', updatedAt: 't', updatedBy: 'u',
      masked: false, sealed: false, rights: ['read', 'export'], header: blob, secret: blob, headerKey: blob, secretKey: blob,
    });
  }
  store.applyPage({ records, removed: [], cursor: String(page), lease: { payload: `lease-${page}`, signature: 's' }, now: page });
  process.stdout.write(`page ${page}\n`);
}
