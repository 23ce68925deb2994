import type { Json } from '@duckdb/node-api';
import type { JsonRow } from '../../engine/db.js';
import { MASK_BITS, type ComparisonColumns } from './compare-columns.js';
import type { DiffOp, DiffRow } from './types.js';

/** Turns a comparison's result rows (by their column names, `names`) into diff rows. */
export function rowDecoder(cols: ComparisonColumns, names: readonly string[]): (row: readonly Json[]) => DiffRow {
  const at = new Map(names.map((n, i) => [n, i]));
  const side = (prefix: string, order: [string, number][]) => order.map(([name, j]) => [name, at.get(`${prefix}${j}`)!] as const);
  const pick = (row: readonly Json[], fields: readonly (readonly [string, number])[]) => {
    const out: JsonRow = {};
    for (const [name, i] of fields) out[name] = row[i];
    return out;
  };
  const op = at.get('__lakegit_op')!;
  if (!cols.keyed) {
    const [b, a] = [side('__lakegit_v', cols.beforeOrder), side('__lakegit_v', cols.afterOrder)];
    return (row) =>
      row[op] === 'added'
        ? { op: 'added', key: null, before: null, after: pick(row, a), changed: [] }
        : { op: 'removed', key: null, before: pick(row, b), after: null, changed: [] };
  }
  const keys = cols.key!.map((k, i) => [k, at.get(`__lakegit_k${i}`)!] as const);
  const [b, a] = [side('__lakegit_b', cols.beforeOrder), side('__lakegit_a', cols.afterOrder)];
  const masks = Array.from({ length: cols.maskCount }, (_, g) => at.get(`__lakegit_m${g}`)!);
  const changedOf = (row: readonly Json[]) =>
    cols.compared
      .filter((_, j) => {
        const mask = Number(row[masks[Math.floor(j / MASK_BITS)]]);
        return Math.floor(mask / 2 ** (j % MASK_BITS)) % 2 === 1;
      })
      .map((c) => c.name);
  return (row) => {
    const kind = row[op] as DiffOp;
    return {
      op: kind,
      key: pick(row, keys),
      before: kind === 'added' ? null : pick(row, b),
      after: kind === 'removed' ? null : pick(row, a),
      changed: kind === 'modified' ? changedOf(row) : [],
    };
  };
}
