/**
 * The header cache thread (ADR 0095): decrypts the headers of a fresh offline file's pages and seals each
 * page's rows as one part, beside the sync's own thread, which unwraps keys and writes the file meanwhile.
 * It is sent each page packed (headercachethread.ts: the header keys, zeroed here once used, and the
 * records' metadata and header ciphertexts); it answers each page with its sealed part (or null for a page
 * without rows) and, when asked to finish, the list order. Any failure answers `failed` and ends the thread's work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RIGHT_SETS, sealPlain } from './headercache.js';
import { HeaderRows } from './headerrows.js';
import { sortLocale } from '../search.js';
import { MASKED_BIT, type FromCacheThread, type PackedPage, type ToCacheThread } from './headercachethread.js';

const port = parentPort;
if (!port) throw new Error('the header cache thread runs only as a worker thread');
const { userKey, user } = workerData as { userKey: Uint8Array; user: string };
const rows = new HeaderRows();
// The collator of the list order is made while the thread waits for its first page, not when the sync waits for the order.
sortLocale();
const decoder = new TextDecoder();
let failed = false;

function send(m: FromCacheThread, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(m, transfer);
}

/** Decrypts a packed page's headers into the current page of rows. */
function addPage(m: PackedPage): void {
  const { data, ends, flags } = m;
  let from = 0;
  for (let i = 0; i < m.count; i++) {
    const idEnd = ends[4 * i] as number, revEnd = ends[4 * i + 1] as number, updEnd = ends[4 * i + 2] as number, end = ends[4 * i + 3] as number;
    const f = flags[i] as number;
    rows.add(
      {
        id: decoder.decode(data.subarray(from, idEnd)),
        revision: decoder.decode(data.subarray(idEnd, revEnd)),
        updatedAt: decoder.decode(data.subarray(revEnd, updEnd)),
        header: data.subarray(updEnd, end),
        masked: (f & MASKED_BIT) !== 0,
        // The shared set: a row only reads it.
        rights: RIGHT_SETS[f & (MASKED_BIT - 1)] as string[],
      },
      m.keys.subarray(i * 32, i * 32 + 32),
    );
    from = end;
  }
}

port.on('message', (m: ToCacheThread) => {
  if (m.type === 'close') {
    userKey.fill(0);
    port.close();
    return;
  }
  if (failed) {
    if (m.type === 'page') m.keys.fill(0);
    return;
  }
  try {
    if (m.type === 'page') {
      try {
        addPage(m);
      } finally {
        m.keys.fill(0);
      }
      const page = rows.takePage(m.removed);
      const part = page ? sealPlain(userKey, user, page) : null;
      send({ type: 'part', part }, part ? [part.buffer as ArrayBuffer] : []);
    } else {
      send({ type: 'order', order: rows.order() });
    }
  } catch {
    failed = true;
    rows.clear();
    send({ type: 'failed' });
  }
});
