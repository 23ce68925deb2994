import type { Json } from '@duckdb/node-api';
import type { RowCounts } from '../../index.js';
import { paint } from './color.js';

/*
 * Pieces every text renderer shares, written once: the row-counts line and the CSV field. Cutting
 * and padding to a column width live in width.ts.
 */

/**
 * `+added ~modified -removed`, in that order everywhere. `zeros`: every count, as diff prints
 * them in columns; otherwise only those that are not zero (status, log, show, merge).
 */
export function countsLine(c: RowCounts, o: { zeros?: boolean } = {}): string {
  const parts: [number, string, (s: string) => string][] = [
    [c.added, '+', paint.green],
    [c.modified, '~', paint.yellow],
    [c.removed, '-', paint.red],
  ];
  return parts
    .filter(([n]) => o.zeros || n)
    .map(([n, sign, color]) => color(`${sign}${n}`))
    .join(' ');
}

/**
 * A scalar that is not a string, as text: a number as JavaScript writes it, but a negative zero as `-0`
 * (String and JSON.stringify drop its sign; the value keeps it, and so do the text outputs).
 */
export const scalarText = (v: number | boolean): string => (Object.is(v, -0) ? '-0' : String(v));

/** A CSV field as DuckDB reads it back: NULL is an empty unquoted field and the empty string `""`, so the two stay apart. */
export function csvField(v: Json | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : scalarText(v);
  return s === '' || /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A cell as one line of text: strings as they are (control characters escaped), the rest as JSON. */
export function cellText(v: Json | undefined, nullText = 'NULL'): string {
  if (v === null || v === undefined) return nullText;
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : scalarText(v);
  return s.replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}
