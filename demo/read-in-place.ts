/**
 * What any engine can do with `lakegit files`: read the printed Parquet paths with DuckDB alone,
 * no lakegit code involved. Used by the demo as `lakegit files orders@main | node read-in-place.js`.
 */
import { readFileSync } from 'node:fs';
import { DuckDBInstance, LIST, VARCHAR, listValue } from '@duckdb/node-api';

const files = readFileSync(0, 'utf8').trim().split('\n');
const db = await DuckDBInstance.create();
const conn = await db.connect();
const reader = await conn.runAndReadAll(
  'SELECT count(*) AS orders, sum(amount) AS total FROM read_parquet($1)',
  [listValue(files)],
  [LIST(VARCHAR)],
);
console.log(JSON.stringify(reader.getRowObjectsJson()));
