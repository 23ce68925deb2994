import type { SqlResult } from '../../index.js';
import { renderTable, type Align } from './table.js';
import { csvField } from './text.js';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** The aligned table, numbers to the right, then the row count. */
export function renderSqlTable(r: SqlResult, width?: number): string {
  const align: Align[] = r.columns.map((c) => (NUMERIC.test(c.type) ? 'right' : 'left'));
  const rows = r.rows.map((row) => r.columns.map((c) => row[c.name]));
  const table = renderTable(
    r.columns.map((c) => c.name),
    rows,
    { width, align },
  );
  return `${table}\n(${r.rowCount} ${r.rowCount === 1 ? 'row' : 'rows'})`;
}

/** RFC 4180 CSV; NULL is an empty field and an empty string is `""`, so the two stay apart. */
export function renderSqlCsv(r: SqlResult): string {
  const lines = [r.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of r.rows) lines.push(r.columns.map((c) => csvField(row[c.name])).join(','));
  return `${lines.join('\n')}\n`;
}
