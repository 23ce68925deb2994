import type { Json } from '@duckdb/node-api';
import { paint } from './color.js';
import { cellText } from './text.js';
import { chars, cut, pad } from './width.js';

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Cut lines to this many characters (the terminal's width); no limit when undefined. */
  width?: number;
  /** Per-column alignment; by default numbers align right. */
  align?: Align[];
  /** Text shown for SQL NULL. */
  nullText?: string;
}

const GAP = '  ';
const MIN_WIDTH = 4;
const ELLIPSIS = '…';

/**
 * Column widths that fit `limit`: the widest column gives up a character at a time; when every
 * column is at its minimum, columns are dropped from the right (the table then ends in `…`).
 */
function fitWidths(natural: number[], limit: number | undefined): { widths: number[]; dropped: boolean } {
  const widths = [...natural];
  if (limit === undefined) return { widths, dropped: false };
  const total = () => widths.reduce((s, w) => s + w, 0) + GAP.length * Math.max(0, widths.length - 1);
  while (total() > limit) {
    let widest = 0;
    widths.forEach((w, i) => {
      if (w > widths[widest]) widest = i;
    });
    if (widths[widest] <= MIN_WIDTH) break;
    widths[widest]--;
  }
  if (total() <= limit) return { widths, dropped: false };
  while (widths.length > 1 && total() + GAP.length + ELLIPSIS.length > limit) widths.pop();
  return { widths, dropped: true };
}

/** An aligned text table with a dashed rule under the header. */
export function renderTable(headers: readonly string[], rows: readonly (readonly (Json | undefined)[])[], opts: TableOptions = {}): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i], opts.nullText)));
  const align = headers.map(
    (_, i) => opts.align?.[i] ?? (rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number') ? 'right' : 'left'),
  );
  const natural = headers.map((h, i) => Math.max(chars(h), ...text.map((r) => chars(r[i]))));
  const { widths, dropped } = fitWidths(natural, opts.width);
  const line = (cells: readonly string[], style: (s: string) => string = (s) => s) => {
    const parts = widths.map((w, i) => pad(cut(cells[i], w), w, align[i]));
    return style(parts.join(GAP) + (dropped ? `${GAP}${ELLIPSIS}` : '')).trimEnd();
  };
  return [line(headers, paint.bold), line(widths.map((w) => '-'.repeat(w))), ...text.map((r) => line(r))].join('\n');
}
