import type { Json } from '@duckdb/node-api';
import type { RowCounts } from '../../index.js';
import stringWidth from 'string-width';
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

/**
 * Text measured as a terminal shows it (string-width: wide CJK characters take two columns,
 * combining marks and colour codes none), so columns stay aligned whatever the data holds.
 */
export const chars = (s: string): number => (/^[\x20-\x7e]*$/.test(s) ? s.length : stringWidth(s));

const segmenter = new Intl.Segmenter();

/** `s` cut to at most `width` columns, ending in `…` when it was wider. */
export function cut(s: string, width: number): string {
  if (chars(s) <= width) return s;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(s)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `s` padded with spaces to `width` columns, on the right (or, for `right`, on the left). */
export function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - chars(s)));
  return align === 'right' ? fill + s : s + fill;
}
