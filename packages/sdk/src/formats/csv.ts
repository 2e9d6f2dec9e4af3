/**
 * RFC 4180 CSV: reading with line numbers for messages (quoted cells may hold commas, quotes, CR, LF
 * and CRLF, kept exactly), writing with every cell quoted when it needs to be. UTF-8 only: a file that
 * is not valid UTF-8 is refused with the byte offset; a leading BOM is dropped.
 */
import { badFile } from '../transfer/portable.js';

export interface CsvRow {
  /** 1-based line of the file on which the row starts. */
  line: number;
  cells: string[];
}

/** Decodes a file as UTF-8 (BOM dropped), or throws bad_request naming the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    // Find the first offending byte for the message (a decoder error does not say where).
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    // `lo` bytes decode as a stream; the bad sequence starts at the last complete prefix at most 3 bytes before.
    let at = lo;
    for (let c = lo; c >= Math.max(0, lo - 3); c--) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, c));
        at = c;
        break;
      } catch {
        // an incomplete sequence ends this prefix
      }
    }
    throw badFile(`${what} byte ${at}`, 'the file is not UTF-8 text (save or export it as UTF-8)');
  }
}

/** Parses CSV text into rows (an empty last line is not a row). */
export function parseCsv(text: string, what: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        const open = line;
        i += 1;
        for (;;) {
          if (i >= n) throw badFile(`${what} line ${open}`, 'a quoted value is not closed (truncated file?)');
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (ch === '\n') line += 1;
          cell += ch;
          i += 1;
        }
        const next = text[i];
        if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
          throw badFile(`${what} line ${line}`, 'unexpected text after a closing quote (a quote inside a value must be doubled)');
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') throw badFile(`${what} line ${line}`, 'a quote inside an unquoted value');
          cell += text[i];
          i += 1;
        }
      }
      cells.push(cell);
      if (i >= n) break;
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      // End of the row: CRLF, LF or a lone CR.
      if (text[i] === '\r') i += 1;
      if (text[i] === '\n') i += 1;
      line += 1;
      break;
    }
    rows.push({ line: start, cells });
  }
  return rows;
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) || cell !== cell.trim() || cell === '' ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Cells beginning with these are formulas to a spreadsheet. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Writes rows as CSV with CRLF line ends; `spreadsheetSafe` prefixes formula-like cells with `'`. */
export function writeCsv(rows: readonly string[][], opts: { spreadsheetSafe?: boolean } = {}): string {
  return rows
    .map((r) => r.map((c) => quote(opts.spreadsheetSafe && FORMULA_START.test(c) ? `'${c}` : c)).join(','))
    .map((l) => l + '\r\n')
    .join('');
}
