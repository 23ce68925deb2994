import type { Json } from '@duckdb/node-api';
import type { RowCounts } from '../../index.js';
import { paint } from './color.js';

/*
 * Pieces every text renderer shares, written once: the row-counts line, the CSV field, and cutting
 * and padding to a column width.
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

/** A CSV field as DuckDB reads it back: NULL is an empty unquoted field and the empty string `""`, so the two stay apart. */
export function csvField(v: Json | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s === '' || /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Characters as the terminal counts them (code points); a string without surrogate pairs is its own length. */
export const chars = (s: string): number => (/[\uD800-\uDFFF]/.test(s) ? [...s].length : s.length);

/** `s` cut to `width` characters, ending in `…` when it was longer. */
export const cut = (s: string, width: number): string =>
  s.length <= width || chars(s) <= width ? s : `${[...s].slice(0, Math.max(0, width - 1)).join('')}…`;

/** `s` padded with spaces to `width` characters, on the right (or, for `right`, on the left). */
export function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - chars(s)));
  return align === 'right' ? fill + s : s + fill;
}
