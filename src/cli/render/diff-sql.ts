import type { Json } from '@duckdb/node-api';
import type { JsonRow, DiffRow, DiffSession, TableDiff } from '../../index.js';
import { quoteIdent, quoteLiteral } from '../../index.js';
import { schemaChanged } from './diff-format.js';
import type { Out } from './diff-out.js';

const RAW = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|BOOLEAN)$/;

/** A value in DuckDB's text form as a literal of its type: the text casts back to the same value. */
export function sqlLiteral(text: Json, type: string): string {
  if (text === null) return 'NULL';
  const s = String(text);
  if (type === 'VARCHAR') return quoteLiteral(s);
  return RAW.test(type) ? s : `CAST(${quoteLiteral(s)} AS ${type})`;
}

/**
 * `--format sql`: a DuckDB script that turns the old snapshot into the new one, against tables
 * named like the lakegit tables: schema changes first, then DELETE / UPDATE / INSERT in key order.
 * Keyless tables delete one matching copy per removed row (by rowid).
 */
export async function renderSql(session: DiffSession, out: Out, limit?: number): Promise<boolean> {
  let differs = false;
  await out.line('BEGIN TRANSACTION;');
  for await (const t of session.tables()) {
    const name = quoteIdent(t.table);
    if (t.status === 'removed') {
      await out.line(`DROP TABLE ${name};`);
      differs = true;
      continue;
    }
    for (const stmt of schemaStatements(t)) await out.line(stmt);
    differs ||= t.status !== 'modified' || schemaChanged(t.schema);
    for await (const batch of t.rows({ limit, text: true })) {
      if (out.closed) break;
      differs = true;
      await out.write(batch.map((r) => `${rowStatement(t, name, r)}\n`).join(''));
    }
  }
  await out.line('COMMIT;');
  return differs;
}

function schemaStatements(t: TableDiff): string[] {
  const name = quoteIdent(t.table);
  if (t.status === 'added') return [`CREATE TABLE ${name} (${t.afterColumns!.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')});`];
  const out = t.status === 'renamed' ? [`ALTER TABLE ${quoteIdent(t.from!)} RENAME TO ${name};`] : [];
  for (const c of t.schema.removed) out.push(`ALTER TABLE ${name} DROP COLUMN ${quoteIdent(c.name)};`);
  for (const c of t.schema.added) out.push(`ALTER TABLE ${name} ADD COLUMN ${quoteIdent(c.name)} ${c.type};`);
  for (const c of t.schema.changed) {
    const col = quoteIdent(c.name);
    out.push(`ALTER TABLE ${name} ALTER ${col} TYPE ${c.to} USING TRY_CAST(${col} AS ${c.to});`);
  }
  if (t.schema.reordered) out.push(`-- column order changed to: ${t.afterColumns!.map((c) => c.name).join(', ')}`);
  return out;
}

/** The type a column has once the schema statements ran (its old type if it was dropped). */
const typeOf = (t: TableDiff, column: string): string => {
  const c = t.columns.find((x) => x.name === column)!;
  return c.after ?? c.before!;
};

const exists = (t: TableDiff, column: string): boolean => t.columns.some((c) => c.name === column && c.after !== undefined);

function rowStatement(t: TableDiff, name: string, r: DiffRow): string {
  const match = (row: JsonRow, cols: string[]) =>
    cols.map((c) => `${quoteIdent(c)} IS NOT DISTINCT FROM ${sqlLiteral(row[c] ?? null, typeOf(t, c))}`).join(' AND ');
  if (r.op === 'added') {
    const cols = Object.keys(r.after!);
    return `INSERT INTO ${name} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map((c) => sqlLiteral(r.after![c], typeOf(t, c))).join(', ')});`;
  }
  if (!t.key) {
    const cols = Object.keys(r.before!).filter((c) => exists(t, c));
    return `DELETE FROM ${name} WHERE rowid = (SELECT rowid FROM ${name} WHERE ${match(r.before!, cols) || 'true'} LIMIT 1);`;
  }
  const where = t.key.map((k) => `${quoteIdent(k)} = ${sqlLiteral(r.key![k], typeOf(t, k))}`).join(' AND ');
  if (r.op === 'removed') return `DELETE FROM ${name} WHERE ${where};`;
  const sets = r.changed.filter((c) => exists(t, c)).map((c) => `${quoteIdent(c)} = ${sqlLiteral(r.after![c], typeOf(t, c))}`);
  return sets.length ? `UPDATE ${name} SET ${sets.join(', ')} WHERE ${where};` : `-- ${where}: only dropped columns changed`;
}
