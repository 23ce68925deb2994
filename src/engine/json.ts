import {
  DuckDBTypeId, JsonDuckDBValueConverter, type DuckDBType, type DuckDBValue, type Json,
} from '@duckdb/node-api';

/**
 * DuckDB values to the contract's JSON: integers that fit a double stay numbers, larger ones,
 * decimals and timestamps become their SQL text; NaN and infinities become strings.
 * Nested values recurse through this converter, so the rule holds inside lists and structs.
 */
export function toJson(value: DuckDBValue, type: DuckDBType): Json {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT: case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UHUGEINT: {
      const text = String(value);
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE: {
      const n = Number(value);
      return Number.isFinite(n) ? n : String(n);
    }
    default:
      return JsonDuckDBValueConverter(value, type, toJson as never);
  }
}
