import { quoteLiteral } from '../../engine/quote.js';

/**
 * Rows as the contract's JSON text, built by DuckDB in SQL: a diff of millions of rows then goes
 * out as text without a JavaScript object per row. Each value's text is byte for byte what
 * JSON.stringify gives for engine.toJson's value (test/ops/diff-json.property.test.ts pins it).
 */

const SMALL_INT = /^U?(TINYINT|SMALLINT|INTEGER)$/;
const BIG_INT = /^U?(BIGINT|HUGEINT)$/;

/**
 * A value of `type` as the text JSON.stringify gives for what engine.toJson makes of it in
 * JavaScript (integers beyond a double's exact range, decimals and dates as strings, NaN and
 * infinities as strings), computed by DuckDB; NULL stays NULL. Undefined for types left to
 * JavaScript. Built as text, not through DuckDB's JSON type, which would re-serialise numbers.
 */
export function jsonTextSql(expr: string, type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const text = (e: string) => `CAST(${e} AS VARCHAR)`;
  const quoted = (e: string) => `'"' || ${text(e)} || '"'`;
  if (type === 'VARCHAR') {
    // DuckDB escapes as JSON.stringify does but for the hex of some control characters (`\u001F`,
    // not `\u001f`); every such text holds `\u00`, a cheaper test than a regular expression.
    const json = text(`to_json(${expr})`);
    return `CASE WHEN contains(${json}, '\\u00') THEN ${escapedSql(expr)} ELSE ${json} END`;
  }
  if (type === 'BOOLEAN' || SMALL_INT.test(type)) return text(expr);
  if (BIG_INT.test(type))
    return `CASE WHEN ${expr} BETWEEN -9007199254740991 AND 9007199254740991 THEN ${text(expr)} ELSE ${quoted(expr)} END`;
  if (type === 'FLOAT' || type === 'DOUBLE') {
    const d = `CAST(${expr} AS DOUBLE)`;
    // DuckDB writes 1.0 and 1e21 where JavaScript writes 1 and 1e+21 (and -0.0 where it writes 0).
    const js = `regexp_replace(regexp_replace(${text(`to_json(${d})`)}, '\\.0$', ''), 'e(\\d)', 'e+\\1')`;
    return `CASE WHEN ${d} = 0 THEN '0' WHEN isfinite(${d}) THEN ${js} WHEN isnan(${d}) THEN '"NaN"'
      WHEN ${d} > 0 THEN '"Infinity"' WHEN ${d} < 0 THEN '"-Infinity"' END`;
  }
  if (/^DECIMAL\(\d+,\s*\d+\)$/.test(type) || type === 'DATE' || type === 'TIMESTAMP') return quoted(expr);
  return undefined;
}

const SHORT: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/**
 * A string with control characters, escaped as JSON.stringify does (DuckDB writes `\u001F` where
 * JavaScript writes `\u001f`). Rare, so one replace per character is fine.
 */
function escapedSql(expr: string): string {
  let e = `replace(replace(${expr}, '\\', '\\\\'), '"', '\\"')`;
  for (let c = 0; c < 32; c++) e = `replace(${e}, chr(${c}), '${SHORT[c] ?? `\\u${c.toString(16).padStart(4, '0')}`}')`;
  return `'"' || ${e} || '"'`;
}

/**
 * `{"name":value,…}` as text from [name, text expression] pairs; a NULL value is `null`. One
 * `concat` call: a chain of `||` copies the growing text at every step (2× the cost on a wide row).
 */
export function jsonObjectText(fields: readonly (readonly [string, string])[]): string {
  if (!fields.length) return `'{}'`;
  const parts = fields.flatMap(([name, v], i) => [quoteLiteral(`${i ? ',' : '{'}${JSON.stringify(name)}:`), `coalesce(${v}, 'null')`]);
  return `concat(${parts.join(', ')}, '}')`;
}
