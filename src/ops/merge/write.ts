import { quoteIdent } from '../../engine/quote.js';
import { applyDelta, chunkFresh } from '../../table/changes.js';
import type { Manifest } from '../../table/manifest.js';
import { cols, names } from '../../table/rowsql.js';
import { overlaySql } from '../../table/snapshot.js';
import type { Scratch } from './scratch.js';
import { sideRowsSql } from './scratch.js';
import { sameColumns } from './schema.js';
import type { TablePlan } from './table.js';

/**
 * The manifest of a merged table. When the merged schema is ours', the changes become one change
 * chunk over ours (the layout stays deltas-over-base and nothing else is read or written);
 * otherwise, or for keyless tables, the merged rows are chunked afresh, as a schema change or a
 * keyless `add` would be.
 */
export async function writePlan(
  s: Scratch,
  ours: Manifest,
  base: Manifest | undefined,
  plan: TablePlan,
  source: Manifest['source'],
): Promise<Manifest> {
  const fresh = (work: string) =>
    chunkFresh(s.engine, s.store, { work, columns: plan.columns, key: plan.key, source, chunking: ours.chunking });
  if (plan.full) return fresh(plan.full);
  const identity = plan.key!;
  const changes = quoteIdent(plan.changes!);
  if (sameColumns(ours.columns, plan.columns) && ours.key) {
    const sorted = await s.table('delta', `SELECT * FROM ${changes} ORDER BY ${cols(identity)}`);
    return applyDelta(s.engine, s.store, ours, sorted, source);
  }
  const projected = sideRowsSql(s, ours, base, plan.columns);
  const full = await s.table('full', overlaySql(names(plan.columns), identity, projected, changes));
  return fresh(full);
}
