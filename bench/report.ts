import { promises as fsp } from 'node:fs';
import os from 'node:os';
import type { FigureRecord } from './context.js';

const fmtSeconds = (s: number | null) => (s === null ? '' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const fmtBytes = (b: number | undefined) => {
  if (b === undefined) return '';
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 1024 / 1024).toFixed(1)} MiB`;
};

export const lakegitValue = (r: FigureRecord) => (r.lakegit_bytes !== undefined ? fmtBytes(r.lakegit_bytes) : fmtSeconds(r.lakegit_s));
export const baselineValue = (r: FigureRecord) => (r.baseline_bytes !== undefined ? fmtBytes(r.baseline_bytes) : fmtSeconds(r.baseline_s));
export const ratioText = (r: FigureRecord) => (r.ratio === null ? '' : `${r.ratio.toFixed(2)}x`);
/** CPU seconds of both sides and their ratio (no ratio when the baseline used too little CPU to measure). */
export const cpuText = (r: FigureRecord): string => {
  if (r.lakegit_cpu_s === undefined) return '';
  const both = `${fmtSeconds(r.lakegit_cpu_s)} / ${fmtSeconds(r.baseline_cpu_s ?? null)}`;
  return r.cpu_ratio === undefined ? both : `${both} = ${r.cpu_ratio.toFixed(2)}x`;
};

export const metText = (r: FigureRecord) => (r.met === null ? '-' : r.met ? 'yes' : 'NO');

const COLUMNS: [string, (r: FigureRecord) => string][] = [
  ['figure', (r) => r.figure],
  ['lakegit', lakegitValue],
  ['baseline', baselineValue],
  ['ratio', ratioText],
  ['goal', (r) => r.goal],
  ['met', metText],
  ['cpu lakegit/baseline', cpuText],
  ['peak MiB (lakegit/baseline)', (r) => (r.lakegit_peak_mib === undefined ? '' : `${r.lakegit_peak_mib}/${r.baseline_peak_mib ?? '?'}`)],
  ['baseline is', (r) => r.baseline],
];

/** A plain-text table of the records; also usable as a Markdown table with `markdown`. */
export function table(records: readonly FigureRecord[], markdown = false): string {
  const rows = [COLUMNS.map(([h]) => h), ...records.map((r) => COLUMNS.map(([, f]) => f(r)))];
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(rows[0]), line(rows[0].map(() => '---')), ...rows.slice(1).map(line)].join('\n');
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function machine(duckdbVersion: string): string {
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  return [
    `date ${new Date().toISOString()}`,
    `${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'})`,
    `memory ${gib(os.totalmem())} (free ${gib(os.freemem())})`,
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    `node ${process.version}`,
    `duckdb ${duckdbVersion}`,
  ].join(', ');
}

/** Rewritten after every figure, so a run that dies late still leaves what it measured. */
export async function writeResults(file: string, records: readonly FigureRecord[]): Promise<void> {
  await fsp.writeFile(file, `${JSON.stringify(records, null, 2)}\n`);
}
