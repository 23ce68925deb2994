import type { Json } from '@duckdb/node-api';

/** Markdown table pieces for pull-request comments: cells escaped so a value never breaks the table. */
export function mdCell(v: Json | undefined): string {
  if (v === null || v === undefined) return '*NULL*';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const cut = s.length > 60 ? `${s.slice(0, 59)}…` : s;
  return cut.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '↵').replace(/`/g, '\\`') || ' ';
}

export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
