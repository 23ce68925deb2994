import { DuckDBTypeId, JsonDuckDBValueConverter, type DuckDBType, type DuckDBValue, type Json } from '@duckdb/node-api';

/**
 * DuckDB values to the contract's JSON: integers that fit a double stay numbers, larger ones,
 * decimals and timestamps become their SQL text; NaN and infinities become strings.
 * Nested values recurse through this converter, so the rule holds inside lists and structs.
 */
export function toJson(value: DuckDBValue, type: DuckDBType): Json {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: {
      const text = String(value);
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE: {
      const n = Number(value);
      return Number.isFinite(n) ? n : String(n);
    }
    default:
      return JsonDuckDBValueConverter(value, type, toJson as never);
  }
}

type Convert = (v: DuckDBValue) => Json;
const same: Convert = (v) => v as Json;
const bigint: Convert = (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : String(v);
};
const float: Convert = (v) => (Number.isFinite(v) ? (v as number) : String(Number(v)));

/**
 * The converter of one column's non-NULL values: what toJson gives, with the common scalar types
 * converted inline. A large diff or blame is mostly integers, floats and strings, and converting
 * them one by one through the generic converter costs more than the query.
 */
export function columnConverter(type: DuckDBType): Convert {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return same;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return bigint;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return float;
    default:
      return (v) => toJson(v, type);
  }
}
