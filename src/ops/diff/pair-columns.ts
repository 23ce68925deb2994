import type { Column } from '../../table/schema.js';
import type { PairColumn } from './types.js';

/*
 * How the columns of a table's two versions pair up, and which pairs compare by value. Blame
 * decides "the same row" by these rules too, so that it agrees with diff.
 */

const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;
const TEMPORAL = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/;

/** Types DuckDB compares by value without a lossy cast; others are compared by their text. */
export const comparable = (a: string, b: string): boolean =>
  a === b || (NUMERIC.test(a) && NUMERIC.test(b)) || (TEMPORAL.test(a) && TEMPORAL.test(b));

/** The union of both sides' columns: after's order, then the columns only the old side has. */
export function pairColumns(before: readonly Column[], after: readonly Column[], key: readonly string[] | null): PairColumn[] {
  const old = new Map(before.map((c) => [c.name, c.type]));
  const isKey = (n: string) => !!key?.includes(n);
  return [
    ...after.map((c) => ({ name: c.name, before: old.get(c.name), after: c.type, key: isKey(c.name) })),
    ...before.filter((c) => !after.some((a) => a.name === c.name)).map((c) => ({ name: c.name, before: c.type, key: isKey(c.name) })),
  ];
}

/** A pair whose two types are not comparable by value: compared, and keyed, by their text. */
export const mixed = (c: PairColumn) => c.before !== undefined && c.after !== undefined && !comparable(c.before, c.after);
