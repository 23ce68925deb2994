import { quoteLiteral } from '../../engine/quote.js';
import { MASK_BITS, type ComparisonColumns } from './compare-columns.js';
import { jsonObjectText, jsonTextSql } from './json-sql.js';
import { mixed } from './pair-columns.js';
import type { PairColumn } from './types.js';

/**
 * A comparison's result row rendered by DuckDB as the contract's JSON text, byte for byte
 * JSON.stringify of what `rowDecoder` (compare-decode.ts) gives, as one SQL expression over the
 * result columns; undefined when a shown column's type is left to JavaScript.
 */
export function rowJsonText(cols: ComparisonColumns): string | undefined {
  const field = (name: string, col: string, type: string | undefined) => [name, jsonTextSql(col, type)] as const;
  const side = (prefix: string, order: [string, number][], typeOf: (c: PairColumn) => string | undefined) =>
    order.map(([name, j]) => field(name, `${prefix}${j}`, typeOf(cols.shown[j])));
  const [before, after, key] = cols.keyed
    ? [
        side('__lakegit_b', cols.beforeOrder, (c) => c.before),
        side('__lakegit_a', cols.afterOrder, (c) => c.after),
        cols.key!.map((k, i) => field(k, `__lakegit_k${i}`, outputType(cols.pair.find((p) => p.name === k)!))),
      ]
    : [side('__lakegit_v', cols.beforeOrder, outputType), side('__lakegit_v', cols.afterOrder, outputType), []];
  const all = [...before, ...after, ...key];
  if (all.some(([, v]) => v === undefined)) return undefined;
  const obj = (fields: readonly (readonly [string, string | undefined])[]) => jsonObjectText(fields as [string, string][]);
  // Each changed name with a comma after it, the last comma trimmed: every name ends with its quote.
  const flags = cols.compared.map(
    (c, j) =>
      `CASE WHEN (__lakegit_m${Math.floor(j / MASK_BITS)} >> ${j % MASK_BITS}) & 1 = 1 THEN ${quoteLiteral(`${JSON.stringify(c.name)},`)} END`,
  );
  const changed = cols.keyed && flags.length ? `concat('[', rtrim(concat(${flags.join(', ')}), ','), ']')` : `'[]'`;
  return `concat('{"op":"', __lakegit_op, '","key":', ${cols.keyed ? obj(key) : `'null'`},
        ',"before":', CASE WHEN __lakegit_op = 'added' THEN 'null' ELSE ${obj(before)} END,
        ',"after":', CASE WHEN __lakegit_op = 'removed' THEN 'null' ELSE ${obj(after)} END,
        ',"changed":', CASE WHEN __lakegit_op = 'modified' THEN ${changed} ELSE '[]' END, '}')`;
}

/**
 * The type of an output column that holds both sides (a key, or a multiset row's value): a mixed
 * pair is text; two comparable types meet in a supertype, left to JavaScript.
 */
function outputType(c: PairColumn): string | undefined {
  if (mixed(c)) return 'VARCHAR';
  return c.before === undefined || c.after === undefined || c.before === c.after ? (c.after ?? c.before) : undefined;
}
