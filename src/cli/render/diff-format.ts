import type { Json } from '@duckdb/node-api';
import type { RowCounts, SchemaDelta, TableDiff } from '../../index.js';
import { paint } from './color.js';
import { countsLine, scalarText } from './text.js';

/** Shared pieces of the text renderers: counts, schema changes, values. */
export const total = (c: RowCounts): number => c.added + c.removed + c.modified;

export const countsText = (c: RowCounts): string => countsLine(c, { zeros: true });

export function schemaText(s: SchemaDelta, long = false): string {
  const parts = [
    ...s.added.map((c) => paint.green(long ? `+${c.name} ${c.type}` : `+${c.name}`)),
    ...s.removed.map((c) => paint.red(long ? `-${c.name} ${c.type}` : `-${c.name}`)),
    ...s.changed.map((c) => paint.yellow(`~${c.name} ${c.from} → ${c.to}`)),
    ...(s.reordered ? [paint.cyan('columns reordered')] : []),
  ];
  return parts.join(', ');
}

export const schemaChanged = (s: SchemaDelta): boolean => s.added.length + s.removed.length + s.changed.length > 0 || !!s.reordered;

export function tableTitle(t: TableDiff): string {
  return t.status === 'renamed' ? `${t.from} → ${t.table}` : t.table;
}

const PLAIN = /^[^\s"'=,│→]+$/u;
const MAX = 80;

/** A value for the text table: NULL marked, strings quoted only when they would read ambiguously. */
export function valueText(v: Json, max = MAX): string {
  if (v === null) return paint.dim('NULL');
  if (typeof v === 'string') {
    const shown = v.length > max ? `${v.slice(0, max - 1)}…` : v;
    return PLAIN.test(v) && v !== 'NULL' ? shown : JSON.stringify(shown);
  }
  if (typeof v === 'object') {
    const s = JSON.stringify(v);
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  }
  return scalarText(v);
}
