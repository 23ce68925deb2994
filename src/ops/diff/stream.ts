import { DuckDBTypeId, type DuckDBType, type DuckDBValue, type Json } from '@duckdb/node-api';
import type { Engine } from '../../engine/db.js';

type Convert = (v: DuckDBValue) => Json;

const same: Convert = (v) => v as Json;
const bigint: Convert = (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : String(v);
};
const float: Convert = (v) => (Number.isFinite(v) ? (v as number) : String(Number(v)));

/**
 * The same values engine.toJson gives, with the common scalar types converted inline: a large
 * diff is mostly integers, floats and strings, and converting them value by value through the
 * generic converter costs more than the query.
 */
const FAST: Partial<Record<DuckDBTypeId, Convert>> = {
  [DuckDBTypeId.BOOLEAN]: same, [DuckDBTypeId.VARCHAR]: same,
  [DuckDBTypeId.TINYINT]: same, [DuckDBTypeId.SMALLINT]: same, [DuckDBTypeId.INTEGER]: same,
  [DuckDBTypeId.UTINYINT]: same, [DuckDBTypeId.USMALLINT]: same, [DuckDBTypeId.UINTEGER]: same,
  [DuckDBTypeId.BIGINT]: bigint, [DuckDBTypeId.UBIGINT]: bigint, [DuckDBTypeId.HUGEINT]: bigint, [DuckDBTypeId.UHUGEINT]: bigint,
  [DuckDBTypeId.FLOAT]: float, [DuckDBTypeId.DOUBLE]: float,
};

/** Rows as arrays of contract JSON values, fetched and converted a column at a time. */
export async function* streamRows(engine: Engine, sql: string): AsyncGenerator<{ names: string[]; rows: Json[][] }> {
  const result = await engine.conn.stream(sql);
  const names = result.columnNames();
  const converters = result.columnTypes().map((t: DuckDBType) => FAST[t.typeId] ?? ((v: DuckDBValue) => engine.toJson(v, t, engine.toJson)));
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows: Json[][] = Array.from({ length: chunk.rowCount }, () => new Array(names.length));
    for (let c = 0; c < names.length; c++) {
      const conv = converters[c];
      const values = chunk.getColumnValues(c);
      for (let r = 0; r < values.length; r++) rows[r][c] = values[r] === null ? null : conv(values[r]);
    }
    yield { names, rows };
  }
}
