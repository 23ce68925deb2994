import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import { changesSql } from '../table/changes.js';
import { identityColumns } from '../table/manifest.js';
import { names } from '../table/rowsql.js';
import { diffSchemas, schemaChanged, type Column, type SchemaChange } from '../table/schema.js';
import { OP, type TableSnapshot } from '../table/snapshot.js';

export interface RowCounts { added: number; removed: number; modified: number }
export const zeroCounts = (): RowCounts => ({ added: 0, removed: 0, modified: 0 });

/** One side of a comparison: a snapshot, or rows of a working file loaded into a work table. */
export interface RowSource { sql: string; columns: Column[]; identity: string[]; rows?: number }

export const fromSnapshot = (s: TableSnapshot): RowSource =>
  ({ sql: s.sql(), columns: s.columns, identity: s.identity, rows: s.manifest.rows });
export const fromWork = (work: string, columns: Column[], identity: string[]): RowSource =>
  ({ sql: `SELECT * FROM ${quoteIdent(work)}`, columns, identity });

/**
 * The changed rows from `before` to `after`, compared on their common columns by identity.
 * Keyless tables (identity = every column) compare as multisets via their counts.
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
  return `SELECT ${c}, CASE WHEN n > 0 THEN 'added' ELSE 'removed' END AS ${quoteIdent(OP)}
    FROM (SELECT ${c}, sum(w) AS n FROM (SELECT ${c}, 1 AS w FROM (${after}) UNION ALL SELECT ${c}, -1 AS w FROM (${before}))
          GROUP BY ALL HAVING sum(w) <> 0), LATERAL range(abs(n)::BIGINT)`;
}

export async function countChanges(engine: Engine, before: RowSource, after: RowSource): Promise<RowCounts & { schemaChanged: boolean }> {
  const { sql, schema } = comparisonSql(before, after);
  const rows = await engine.all(`SELECT ${quoteIdent(OP)} AS op, count(*) AS n FROM (${sql}) GROUP BY 1`);
  const counts = zeroCounts();
  for (const r of rows) counts[r.op as keyof RowCounts] = Number(r.n);
  return { ...counts, schemaChanged: schemaChanged(schema) };
}

export const sameIdentity = (a: TableSnapshot, b: TableSnapshot) =>
  JSON.stringify(identityColumns(a.manifest)) === JSON.stringify(identityColumns(b.manifest));
