/**
 * The header cache thread (ADR 0095): decrypts the headers of a fresh offline file's pages and seals each
 * page's rows as one part, beside the sync's own thread, which unwraps keys and writes the file meanwhile.
 * It is sent, per page, the records' metadata and header ciphertexts and their header keys packed in one
 * buffer (zeroed here once used); it answers each page with its sealed part (or null for a page without
 * rows) and, when asked to finish, the list order. Any failure answers `failed` and ends the thread's work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HeaderRows } from './headerrows.js';
import { sealRows } from './headercachewriter.js';
import type { FromCacheThread, ToCacheThread } from './headercachethread.js';

const port = parentPort;
if (!port) throw new Error('the header cache thread runs only as a worker thread');
const { userKey, user } = workerData as { userKey: Uint8Array; user: string };
const rows = new HeaderRows();
let failed = false;

function send(m: FromCacheThread, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(m, transfer);
}

port.on('message', (m: ToCacheThread) => {
  if (m.type === 'close') {
    userKey.fill(0);
    port.close();
    return;
  }
  if (failed) return;
  try {
    if (m.type === 'page') {
      try {
        for (let i = 0; i < m.records.length; i++) rows.add(m.records[i] as (typeof m.records)[number], m.keys.subarray(i * 32, i * 32 + 32));
      } finally {
        m.keys.fill(0);
      }
      const page = rows.takePage(m.removed);
      const part = page.length > 0 ? sealRows(userKey, user, page) : null;
      send({ type: 'part', part }, part ? [part.buffer as ArrayBuffer] : []);
    } else {
      send({ type: 'order', order: rows.order() });
    }
  } catch {
    failed = true;
    send({ type: 'failed' });
  }
});
