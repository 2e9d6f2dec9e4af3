/** The table printed at the end of a run, and the results files under bench/results/. */
import fs from 'node:fs';
import path from 'node:path';
import type { MetricResult } from './metric.js';
import type { Report } from './runner.js';

export function formatValue(v: number | null, unit: string): string {
  if (v === null) return '-';
  return `${v} ${unit}`;
}

/** A plain-text table: one row per (metric, n). */
export function formatTable(metrics: MetricResult[]): string {
  const head = ['metric', 'n', 'value', 'target', 'baseline', 'ratio', 'status'];
  const rows = metrics.map((m) => [
    m.name,
    m.n === null ? '' : String(m.n),
    formatValue(m.value, m.unit),
    m.target ?? '',
    m.baseline ? `${m.baseline.name} = ${m.baseline.value ?? '-'}` : '',
    m.ratio === null ? '' : `${m.ratio}x`,
    m.value === null ? (m.reason ?? '') : m.met === null ? '' : m.met ? 'ok' : `MISSED${m.reason ? `: ${m.reason}` : ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function reportJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/**
 * Writes `out` (latest.json by default), and for a complete run also a dated copy beside it
 * (`<yyyy-mm-dd>.json`, `<yyyy-mm-dd>-quick.json` for --quick) so earlier results stay for trends.
 */
export function writeReport(report: Report, out: string, dated: boolean): string[] {
  const written: string[] = [];
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const json = reportJson(report);
  writeAtomic(out, json);
  written.push(out);
  if (dated) {
    const day = report.date.slice(0, 10);
    const file = path.join(path.dirname(out), `${day}${report.quick ? '-quick' : ''}.json`);
    writeAtomic(file, json);
    written.push(file);
  }
  return written;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
