import type { Engine } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { changesSql } from '../../table/changes.js';
import { names } from '../../table/rowsql.js';
import { diffSchemas, schemaChanged, type Column, type SchemaChange } from '../../table/schema.js';
import { OP, type TableSnapshot } from '../../table/snapshot.js';
import { Comparison } from './compare.js';
import { composedCounts } from './compose.js';
import { planPair, type Side } from './plan.js';

export interface RowCounts {
  added: number;
  removed: number;
  modified: number;
}
export const zeroCounts = (): RowCounts => ({ added: 0, removed: 0, modified: 0 });

/**
 * One side of a comparison: a snapshot, or rows of a working file loaded into a work table.
 * A snapshot side lets the diff engine skip the chunks both sides share.
 */
export interface RowSource {
  sql: string;
  columns: Column[];
  identity: string[];
  rows?: number;
  snapshot?: TableSnapshot;
}

export const fromSnapshot = (s: TableSnapshot): RowSource => ({
  sql: s.sql(),
  columns: s.columns,
  identity: s.identity,
  rows: s.manifest.rows,
  snapshot: s,
});
export const fromWork = (work: string, columns: Column[], identity: string[]): RowSource => ({
  sql: `SELECT * FROM ${quoteIdent(work)}`,
  columns,
  identity,
});

/**
 * The changed rows from `before` to `after`, compared on their common columns by identity, as
 * change rows (`changesSql` shape: new values, op column). Keyless tables compare as multisets.
 * Counting goes through the diff engine (`countChanges`); this stays for callers that want rows.
 */
export function comparisonSql(before: RowSource, after: RowSource): { sql: string; schema: SchemaChange } {
  const schema = diffSchemas(before.columns, after.columns);
  const common = names(after.columns).filter((c) => before.columns.some((b) => b.name === c));
  const identity = after.identity.every((k) => common.includes(k)) ? after.identity : common;
  const keyless = identity.length === after.columns.length && JSON.stringify(identity) === JSON.stringify(names(after.columns));
  if (keyless) return { sql: multisetSql(before.sql, after.sql, common), schema };
  const pick = (src: RowSource) => `SELECT ${common.map(quoteIdent).join(', ')} FROM (${src.sql})`;
  return { sql: changesSql(pick(after), pick(before), common, identity), schema };
}

/** Keyless: a row whose count went up is added (once per copy), down is removed. */
function multisetSql(before: string, after: string, columns: readonly string[]): string {
  const c = columns.map(quoteIdent).join(', ');
  // Internal names are __lakegit_*, which no user column may take: a column named n or w once broke the counts.
  return `SELECT ${c}, CASE WHEN __lakegit_n > 0 THEN 'added' ELSE 'removed' END AS ${quoteIdent(OP)}
    FROM (SELECT ${c}, sum(__lakegit_w) AS __lakegit_n FROM (SELECT ${c}, 1 AS __lakegit_w FROM (${after}) UNION ALL SELECT ${c}, -1 AS __lakegit_w FROM (${before}))
          GROUP BY ALL HAVING sum(__lakegit_w) <> 0), LATERAL range(abs(__lakegit_n)::BIGINT)`;
}

/** A work table's key: the snapshot's it is compared with, when their identities agree. */
function keyOf(src: RowSource, other: RowSource): string[] | null {
  if (src.snapshot) return src.snapshot.manifest.key;
  if (other.snapshot && JSON.stringify(other.identity) === JSON.stringify(src.identity)) return other.snapshot.manifest.key;
  return JSON.stringify(src.identity) === JSON.stringify(names(src.columns)) ? null : src.identity;
}

const toSide = (src: RowSource, other: RowSource): Side => ({
  columns: src.columns,
  key: keyOf(src, other),
  ...(src.snapshot ? { snapshot: src.snapshot } : { sql: src.sql }),
});

/**
 * Rows added, removed and modified from `before` to `after`, by the diff engine: equal manifests
 * read nothing, nearby snapshots are counted from their change chunks, shared chunks are skipped,
 * and a new or dropped column counts where it is not NULL.
 */
export async function countChanges(engine: Engine, before: RowSource, after: RowSource): Promise<RowCounts & { schemaChanged: boolean }> {
  const changed = schemaChanged(diffSchemas(before.columns, after.columns));
  const b = toSide(before, after);
  const a = toSide(after, before);
  const composed = await composedCounts(async () => engine, b, a);
  if (composed) return { ...composed, schemaChanged: changed };
  const plan = await planPair(async () => engine, b, a);
  if (plan.kind === 'same') return { ...zeroCounts(), schemaChanged: changed };
  const cmp = new Comparison({
    before: plan.before,
    after: plan.after,
    beforeColumns: b.columns,
    afterColumns: a.columns,
    key: plan.key,
    prelude: plan.prelude,
  });
  const counts = zeroCounts();
  for (const r of await engine.all(cmp.countsSql())) counts[r.op as keyof RowCounts] = Number(r.n);
  return { ...counts, schemaChanged: changed };
}
