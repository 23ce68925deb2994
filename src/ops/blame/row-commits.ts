import type { Json } from '@duckdb/node-api';
import { quoteIdent } from '../../engine/quote.js';
import { ORD, type BlameRun } from './run.js';

/** One batch of keyed row blame, column-wise: each key column's values, and each row's commit ordinal. */
export interface RowCommits {
  keys: Json[][];
  commits: number[];
}

/**
 * Keyed row blame in key order as columns, not row objects: a million-row blame is a few hundred
 * arrays per column instead of a million objects. Undefined for other blames (cells, keyless rows).
 */
export function rowCommits(run: BlameRun, release: () => Promise<void>): AsyncGenerator<RowCommits> | undefined {
  if (run.spec.keyless || run.spec.cells.length !== 1) return undefined;
  const ids = run.ids();
  const sql = `SELECT ${ids}, ${quoteIdent(ORD)} FROM ${run.resultRows()} ORDER BY ${ids}`;
  const n = run.spec.identity.length;
  return (async function* () {
    try {
      for await (const cols of run.engine.streamColumns(sql)) yield { keys: cols.slice(0, n), commits: cols[n] as number[] };
    } finally {
      await release();
    }
  })();
}
