import type { Engine, JsonRow } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { LakegitError } from '../../errors.js';
import { cols } from '../../table/rowsql.js';
import type { TableSnapshot } from '../../table/snapshot.js';
import type { CheckSpec, Literal } from './config.js';
import { fingerprint, ROW_LOCAL } from './incremental.js';
import { SAMPLE_SIZE, type CheckMode, type CheckResult } from './report.js';
import { evaluateMeta } from './evaluate-meta.js';

/** A table as the checks see it: the candidate's rows (a temp view named like the table) and what they are compared with. */
export interface TableEnv {
  name: string;
  snapshot: TableSnapshot;
  baseline?: TableSnapshot;
  /** Candidate rows that may differ from the baseline (see changedRowsSql), when the manifests tell. */
  changed?: string;
  /** Fingerprints of the row-local checks the baseline is known to pass. */
  passed: Set<string>;
}

export interface EvalEnv {
  engine: Engine;
  tables: Map<string, TableEnv>;
  /** Never run incrementally. */
  full: boolean;
  /** Misconfiguration at a line of lakegit.yaml: exit 2. */
  fail: (line: number, message: string) => never;
  /** Whether an sql rule filters its own table's rows one by one. */
  rowLocalRule: (spec: Extract<CheckSpec, { kind: 'sql' }>) => Promise<boolean>;
}

export const viewSql = (table: string): string => `SELECT * FROM ${quoteIdent(table)}`;

export const checkedColumns = (spec: CheckSpec): string[] => {
  switch (spec.kind) {
    case 'not_null': case 'accepted_values': case 'range': case 'foreign_keys': return [spec.column];
    case 'unique': return spec.columns;
    default: return [];
  }
};

const result = (spec: CheckSpec, mode: CheckMode, violations: number, sample: JsonRow[], message?: string): CheckResult => ({
  table: spec.table, check: spec.name, kind: spec.kind, passed: violations === 0, violations, sample, mode, line: spec.line,
  ...(message ? { message } : {}),
});

/** Run one check against the candidate. */
export async function evaluate(env: EvalEnv, spec: CheckSpec): Promise<CheckResult> {
  const t = env.tables.get(spec.table)!;
  const missing = checkedColumns(spec).filter((c) => !t.snapshot.columnNames.includes(c));
  if (missing.length) return result(spec, 'full', 1, [], `column ${missing.map((c) => `'${c}'`).join(', ')} is missing`);
  if (spec.kind === 'row_count' || spec.kind === 'max_change' || spec.kind === 'schema') {
    const m = await evaluateMeta(env.engine, t, spec);
    return result(spec, 'full', m.violations, m.sample, m.message);
  }
  const { rel, mode } = await relationFor(env, t, spec);
  if (mode === 'incremental' && rel === undefined) return result(spec, mode, 0, []);
  if (spec.kind === 'foreign_keys') {
    const parent = env.tables.get(spec.refTable);
    if (!parent || !parent.snapshot.columnNames.includes(spec.refColumn)) {
      return result(spec, 'full', 1, [], `table '${spec.refTable}' or its column '${spec.refColumn}' is missing`);
    }
  }
  const found = spec.kind === 'sql'
    ? await ruleViolations(env, t, spec, rel)
    : await violations(env.engine, ...rowQuery(t, spec, rel ?? viewSql(t.name)));
  return result(spec, mode, found.count, found.sample);
}

type RowSpec = Extract<CheckSpec, { kind: 'not_null' | 'accepted_values' | 'range' | 'unique' | 'foreign_keys' }>;

/** The violating rows of a check, as [SQL, ORDER BY, parameters]; the sample shows keys and checked columns. */
function rowQuery(t: TableEnv, spec: RowSpec, from: string): [string, string, string[]] {
  const pick = sampleColumns(t, checkedColumns(spec));
  const order = t.snapshot.identity.filter((c) => pick.includes(c));
  const orderBy = order.length ? cols(order) : 'ALL';
  const where = (cond: string, params: string[] = []): [string, string, string[]] =>
    [`SELECT ${cols(pick)} FROM (${from}) WHERE ${cond}`, orderBy, params];
  switch (spec.kind) {
    case 'not_null':
      return where(`${quoteIdent(spec.column)} IS NULL`);
    case 'accepted_values': {
      const values = spec.values.filter((v) => v !== null).map(String);
      const c = quoteIdent(spec.column);
      const list = values.map((_, i) => `CAST($${i + 1} AS ${typeOf(t, spec.column)})`).join(', ');
      return where(values.length ? `${c} IS NOT NULL AND ${c} NOT IN (${list})` : `${c} IS NOT NULL`, values);
    }
    case 'range': {
      const bounds = ([[spec.min, '<'], [spec.max, '>']] as [Literal | undefined, string][]).filter(([v]) => v !== undefined && v !== null);
      const conds = bounds.map(([, op], i) => `${quoteIdent(spec.column)} ${op} CAST($${i + 1} AS ${typeOf(t, spec.column)})`);
      return where(conds.join(' OR '), bounds.map(([v]) => String(v)));
    }
    case 'unique': {
      const on = spec.columns.map((c) => `r.${quoteIdent(c)} = d.${quoteIdent(c)}`).join(' AND ');
      const dups = `SELECT ${cols(spec.columns)} FROM (${from}) GROUP BY ALL HAVING count(*) > 1`;
      return [`SELECT ${cols(pick, 'r')} FROM (${from}) r SEMI JOIN (${dups}) d ON ${on}`, orderBy, []];
    }
    case 'foreign_keys': {
      const c = `r.${quoteIdent(spec.column)}`;
      const keys = `SELECT ${quoteIdent(spec.refColumn)} AS k FROM ${quoteIdent(spec.refTable)}`;
      return [`SELECT ${cols(pick, 'r')} FROM (${from}) r WHERE ${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM (${keys}) p WHERE p.k = ${c})`, orderBy, []];
    }
  }
}

/** Row-local checks the baseline passed read only the changed rows; the rest read the whole table. */
async function relationFor(env: EvalEnv, t: TableEnv, spec: CheckSpec): Promise<{ rel?: string; mode: CheckMode }> {
  if (env.full || !t.passed.has(fingerprint(spec))) return { mode: 'full' };
  const rowLocal = ROW_LOCAL.has(spec.kind) || (spec.kind === 'sql' && (await env.rowLocalRule(spec)));
  if (!rowLocal) return { mode: 'full' };
  if (t.baseline && t.baseline.manifest === t.snapshot.manifest) return { mode: 'incremental' };
  return t.changed === undefined ? { mode: 'full' } : { rel: t.changed, mode: 'incremental' };
}

/** An sql rule names tables by name; incrementally, its own table's view is narrowed to the changed rows meanwhile. */
async function ruleViolations(env: EvalEnv, t: TableEnv, spec: Extract<CheckSpec, { kind: 'sql' }>, narrowed?: string) {
  const view = quoteIdent(t.name);
  if (narrowed) await env.engine.run(`CREATE OR REPLACE TEMP VIEW ${view} AS ${narrowed}`);
  try {
    return await violations(env.engine, `SELECT * FROM (${spec.query})`, 'ALL');
  } catch (e) {
    if (e instanceof LakegitError) throw e;
    return env.fail(spec.line, `sql rule '${spec.name}' of table '${spec.table}' cannot run: ${firstLine(e)}`);
  } finally {
    if (narrowed) await env.engine.run(`CREATE OR REPLACE TEMP VIEW ${view} AS ${t.snapshot.sql()}`);
  }
}

export const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

async function violations(engine: Engine, sql: string, orderBy: string, params?: string[]): Promise<{ count: number; sample: JsonRow[] }> {
  const n = quoteIdent('__lg_violations');
  const rows = await engine.all(
    `SELECT *, count(*) OVER () AS ${n} FROM (${sql}) ORDER BY ${orderBy} LIMIT ${SAMPLE_SIZE}`, params);
  const count = rows.length ? Number(rows[0].__lg_violations) : 0;
  return { count, sample: rows.map(({ __lg_violations: _n, ...row }) => row) };
}

/** The key columns and the checked ones, in table order; keyless tables show whole rows. */
function sampleColumns(t: TableEnv, checked: string[]): string[] {
  if (t.snapshot.manifest.key === null) return t.snapshot.columnNames;
  const want = new Set([...t.snapshot.identity, ...checked]);
  return t.snapshot.columnNames.filter((c) => want.has(c));
}

export const typeOf = (t: TableEnv, column: string): string => t.snapshot.columns.find((c) => c.name === column)!.type;
