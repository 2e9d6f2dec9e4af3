/** Text output helpers (the --json shapes are the SDK's views, printed as they are). */
import type { RecordView, RevealedView } from '@safehold/sdk';

/**
 * Terminal-safe text (12.11): C0 controls but tab and newline, DEL, C1 controls, and bidirectional overrides are
 * replaced by U+FFFD, so a record or device name cannot move the cursor, retitle the window, or hide text.
 */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

/** A help section of examples. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A table of records for `list` and `search` (never a secret). */
export function recordTable(records: readonly RecordView[]): string {
  if (records.length === 0) return 'no records';
  const rows = records.map((r) => [r.id, r.name, r.username, r.url, r.tags.join(','), flags(r)]);
  const head = ['ID', 'NAME', 'USERNAME', 'URL', 'TAGS', ''];
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]): string => cells.map((c, i) => clip(c, widths[i] ?? 10).padEnd(widths[i] ?? 10)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function flags(r: RecordView): string {
  return [r.masked ? 'masked' : '', r.sealed ? 'sealed' : ''].filter(Boolean).join(',');
}

/** One record for `show` (secrets only in a revealed view). */
export function recordText(r: RecordView | RevealedView): string {
  const out: string[] = [];
  const add = (k: string, v: string): void => {
    if (v !== '') out.push(`${(k + ':').padEnd(10)} ${v}`);
  };
  add('id', r.id);
  add('name', r.name);
  add('username', r.username);
  add('password', 'password' in r ? r.password : r.sealed ? '(sealed)' : r.masked && !r.rights.includes('authorize') ? '(masked)' : '******** (--reveal to show)');
  add('url', r.url);
  add('tags', r.tags.join(', '));
  for (const f of r.fields) add(f.name, f.value !== undefined ? f.value : '********');
  if (r.notes) out.push(`notes:\n${r.notes.replace(/^/gm, '  ')}`);
  add('flags', flags(r));
  add('rights', r.rights.join(','));
  add('revision', r.revision);
  add('updated', r.updatedAt);
  return out.join('\n');
}
