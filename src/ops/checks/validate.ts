import type { Engine } from '../../engine/db.js';
import type { RepoContext } from '../context.js';
import { readManifest, type TableTree } from '../tree.js';
import type { ChecksConfig, CheckSpec } from './config.js';
import { checkedColumns } from './evaluate.js';

type Fail = (line: number, message: string, hint?: string) => never;

/**
 * A check must make sense for the tree its lakegit.yaml was committed with: every table and column
 * it names exists there, its values convert to the column's type, its SQL parses. Anything else is
 * a misconfiguration (exit 2 naming the line), never a silent pass.
 */
export async function validateSpecs(ctx: RepoContext, engine: Engine, config: ChecksConfig, tree: TableTree, fail: Fail): Promise<void> {
  const tables = [...tree.tables.keys()].sort();
  const columnsOf = async (table: string, line: number) => {
    const blob = tree.tables.get(table);
    if (!blob) fail(line, `unknown table '${table}'`, tables.length ? `tables are: ${tables.join(', ')}` : 'no table is tracked yet');
    return (await readManifest(ctx, blob)).columns;
  };
  for (const spec of config.checks) {
    const columns = await columnsOf(spec.table, spec.line);
    const need = (name: string, table = spec.table, cs = columns) => {
      if (!cs.some((c) => c.name === name)) {
        fail(spec.line, `unknown column '${name}' in table '${table}'`, `columns are: ${cs.map((c) => c.name).join(', ')}`);
      }
    };
    for (const c of checkedColumns(spec)) need(c);
    if (spec.kind === 'foreign_keys') need(spec.refColumn, spec.refTable, await columnsOf(spec.refTable, spec.line));
    await validateValues(engine, spec, columns, fail);
    if (spec.kind === 'sql') await validateSql(engine, spec, fail);
  }
}

async function validateValues(engine: Engine, spec: CheckSpec, columns: { name: string; type: string }[], fail: Fail): Promise<void> {
  let values: unknown[] = [];
  if (spec.kind === 'accepted_values') values = spec.values;
  else if (spec.kind === 'range') values = [spec.min, spec.max];
  else return;
  const type = columns.find((c) => c.name === spec.column)!.type;
  for (const v of values) {
    if (v === undefined || v === null) continue;
    const ok = await engine.value<boolean>(`SELECT TRY_CAST($1::VARCHAR AS ${type}) IS NOT NULL`, [String(v)]);
    if (!ok) fail(spec.line, `${spec.name} of table '${spec.table}': ${JSON.stringify(v)} is not a ${type}`);
  }
}

async function validateSql(engine: Engine, spec: Extract<CheckSpec, { kind: 'sql' }>, fail: Fail): Promise<void> {
  const parsed = JSON.parse(String(await engine.value<string>('SELECT json_serialize_sql($1::VARCHAR)', [spec.query]))) as {
    error?: boolean;
    error_message?: string;
    statements?: { node: { type: string } }[];
  };
  if (parsed.error)
    fail(spec.line, `sql rule '${spec.name}' of table '${spec.table}': ${parsed.error_message ?? 'cannot parse the query'}`);
  if (parsed.statements?.length !== 1) fail(spec.line, `sql rule '${spec.name}' must be one SELECT query`);
}
