import type { Json } from '@duckdb/node-api';
import { quoteIdent } from '../../engine/quote.js';
import { ORD, type BlameRun } from './run.js';

/** One batch of keyed row blame, column-wise: each key column's values, and each row's commit ordinal. */
export interface RowCommits {
  keys: Json[][];
  commits: number[];
}

/** Up to this many rows, the sorted result is read whole rather than streamed (~12 bytes a row of an integer key). */
const READ_WHOLE = 2_000_000;

/**
 * Keyed row blame in key order as columns, not row objects: a million-row blame is a few hundred
 * arrays per column instead of a million objects. Undefined for other blames (cells, keyless rows).
 */
export function rowCommits(run: BlameRun, release: () => Promise<void>): AsyncGenerator<RowCommits> | undefined {
  if (run.spec.keyless || run.spec.cells.length !== 1) return undefined;
  const ids = run.ids();
  // A key known to fit an INTEGER is read as one: numbers straight from DuckDB, no BigInt per row.
  const keys = run.keyCast ? `CAST(${ids} AS ${run.keyCast}) AS ${ids}` : ids;
  const sql = `SELECT ${keys}, ${quoteIdent(ORD)} FROM ${run.resultRows()} ORDER BY ${ids}`;
  const n = run.spec.identity.length;
  const small = run.resultCount !== undefined && run.resultCount <= READ_WHOLE;
  return (async function* () {
    try {
      const batches = small ? run.engine.readColumns(sql) : run.engine.streamColumns(sql);
      for await (const cols of batches) yield { keys: cols.slice(0, n), commits: cols[n] as number[] };
    } finally {
      await release();
    }
  })();
}
