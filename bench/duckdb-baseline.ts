/**
 * "DuckDB alone": a bare @duckdb/node-api process that runs the SQL statements given as arguments
 * and exits. It pays the same start-up as lakegit (node, the native library) and nothing else, so
 * a ratio against it is lakegit's own overhead. Threads as lakegit's engine uses them.
 *
 *   node dist/bench/duckdb-baseline.js "COPY (SELECT * FROM read_csv('orders.csv')) TO 'o.parquet'"
 */
import { DuckDBInstance } from '@duckdb/node-api';

const threads = process.env.LAKEGIT_THREADS ?? '2';
const instance = await DuckDBInstance.create(':memory:', { threads });
const conn = await instance.connect();
try {
  for (const sql of process.argv.slice(2)) await conn.run(sql);
} finally {
  conn.closeSync();
  instance.closeSync();
}
