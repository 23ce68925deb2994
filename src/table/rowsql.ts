import { identList, quoteIdent } from '../engine/quote.js';
import { holdsFloat, type Column } from './schema.js';

/**
 * SQL fragments over a row. Canonical row text is `json_array(col, ...)`: unambiguous (NULL, '' and
 * 'NULL' differ), independent of file format, and built from SQL values so it is stable across
 * DuckDB versions as long as their text forms are. `hash()` is used only for transient comparisons.
 */
export const rowText = (columns: readonly string[], alias?: string): string => rowTextOf(columns.map((c) => col(c, alias)));

/** The canonical row text of value expressions (a row's columns, in order). */
const rowTextOf = (values: readonly string[]): string => `json_array(${values.join(', ')})::VARCHAR`;

export const rowDigest = (columns: readonly string[], alias?: string): string => `md5(${rowText(columns, alias)})`;

/** `rowDigest` of value expressions. */
export const rowDigestOf = (values: readonly string[]): string => `md5(${rowTextOf(values)})`;

export const col = (name: string, alias?: string): string => (alias ? `${alias}.${quoteIdent(name)}` : quoteIdent(name));

export const cols = (names: readonly string[], alias?: string): string =>
  alias ? names.map((n) => col(n, alias)).join(', ') : identList(names);

export const names = (columns: readonly Column[]): string[] => columns.map((c) => c.name);

/** `a.k1 = b.k1 AND a.k2 = b.k2` */
export const joinOn = (key: readonly string[], a: string, b: string): string => key.map((k) => `${col(k, a)} = ${col(k, b)}`).join(' AND ');

/** True when two aliased rows differ in any of the columns, NULL-safe. */
export const rowsDiffer = (columns: readonly string[], a: string, b: string): string =>
  columns.length === 0 ? 'false' : `(${columns.map((c) => `${col(c, a)} IS DISTINCT FROM ${col(c, b)}`).join(' OR ')})`;

/** An empty relation with the table's columns and types. */
export const emptyRelation = (columns: readonly Column[]): string =>
  `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ')} WHERE false`;

/**
 * ORDER BY text for rows in identity order. Rows of a keyless table can compare equal yet differ in
 * text (INTERVAL '1 day' and '24 hours'): their text breaks the tie, so the order, and with it the
 * chunk ids, never depend on the order rows came in.
 */
export const identityOrder = (identity: readonly string[], keyless: boolean, columns?: readonly Column[]): string =>
  keyless ? `${sortCols(identity, columns)}, ${rowText(identity)}` : sortCols(identity, columns);

/**
 * ORDER BY (or PARTITION BY) text for columns whose output must keep its values. DuckDB (1.5;
 * duckdb/duckdb#25417) rebuilds a column that is itself a sort key from the sort key, which holds
 * -0.0 as 0.0 (a window's PARTITION BY likewise): a column whose type holds a float is sorted by
 * `greatest(c, c)`, which sorts and partitions the same but is not the column (DuckDB folds
 * `coalesce(c, c)` and `c::DOUBLE` back into the column in a window). Other columns (and columns of
 * unknown type) are sorted by themselves.
 */
export function sortCols(names: readonly string[], columns?: readonly Column[], alias?: string): string {
  const floats = new Set(columns?.filter((c) => holdsFloat(c.type)).map((c) => c.name));
  if (!names.some((n) => floats.has(n))) return cols(names, alias);
  return names.map((n) => (floats.has(n) ? `greatest(${col(n, alias)}, ${col(n, alias)})` : col(n, alias))).join(', ');
}
