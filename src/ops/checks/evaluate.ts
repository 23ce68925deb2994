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
  /** The candidate holds the baseline's very manifest: nothing in the table changed. */
  same: boolean;
  /** Fingerprints of the checks the baseline is known to pass (those `incremental` accepts). */
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
  /** Create the temp views of the candidate's tables (once), before a query that reads them. */
  views: () => Promise<void>;
  viewsCreated: () => boolean;
}

export const viewSql = (table: string): string => `SELECT * FROM ${quoteIdent(table)}`;

export const checkedColumns = (spec: CheckSpec): string[] => {
  switch (spec.kind) {
    case 'not_null':
    case 'accepted_values':
    case 'range':
    case 'foreign_keys':
      return [spec.column];
    case 'unique':
      return spec.columns;
    default:
      return [];
  }
};

const result = (spec: CheckSpec, mode: CheckMode, violations: number, sample: JsonRow[], message?: string): CheckResult => ({
  table: spec.table,
  check: spec.name,
  kind: spec.kind,
  passed: violations === 0,
  violations,
  sample,
  mode,
  line: spec.line,
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
  if (spec.kind === 'foreign_keys') {
    const parent = env.tables.get(spec.refTable);
    if (!parent || !parent.snapshot.columnNames.includes(spec.refColumn)) {
      return result(spec, 'full', 1, [], `table '${spec.refTable}' or its column '${spec.refColumn}' is missing`);
    }
  }
  const { rel, mode } = await relationFor(env, t, spec);
  if (mode === 'incremental' && rel === undefined) return result(spec, mode, 0, []);
  // Only the changed rows of a row-local check (or row-local rule, its own view narrowed) are read without the views.
  if (rel === undefined || spec.kind === 'unique' || spec.kind === 'foreign_keys') await env.views();
  const found =
    spec.kind === 'sql'
      ? await ruleViolations(env, t, spec, rel)
      : await violations(env.engine, ...rowQuery(t, spec, viewSql(t.name), rel));
  return result(spec, mode, found.count, found.sample);
}

type RowSpec = Extract<CheckSpec, { kind: 'not_null' | 'accepted_values' | 'range' | 'unique' | 'foreign_keys' }>;

/**
 * The violating rows of a check, as [SQL, ORDER BY, parameters]; the sample shows keys and checked
 * columns. `changed` (incremental mode) narrows the search to what changed rows can break: their
 * own values, and for `unique` the groups of the whole table that hold a changed row's value.
 */
function rowQuery(t: TableEnv, spec: RowSpec, table: string, changed?: string): [string, string, string[]] {
  const pick = sampleColumns(t, checkedColumns(spec));
  const from = spec.kind === 'unique' ? table : (changed ?? table);
  const order = t.snapshot.identity.filter((c) => pick.includes(c));
  const orderBy = order.length ? cols(order) : 'ALL';
  const where = (cond: string, params: string[] = []): [string, string, string[]] => [
    `SELECT ${cols(pick)} FROM (${from}) WHERE ${cond}`,
    orderBy,
    params,
  ];
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
      const bounds = (
        [
          [spec.min, '<'],
          [spec.max, '>'],
        ] as [Literal | undefined, string][]
      ).filter(([v]) => v !== undefined && v !== null);
      const conds = bounds.map(([, op], i) => `${quoteIdent(spec.column)} ${op} CAST($${i + 1} AS ${typeOf(t, spec.column)})`);
      return where(
        conds.join(' OR '),
        bounds.map(([v]) => String(v)),
      );
    }
    case 'unique': {
      const on = (a: string, b: string) => spec.columns.map((c) => `${a}.${quoteIdent(c)} = ${b}.${quoteIdent(c)}`).join(' AND ');
      // A duplicate group of unchanged rows alone would have failed the baseline too.
      const candidates =
        changed === undefined
          ? `(${from})`
          : `(SELECT f.* FROM (${from}) f SEMI JOIN (SELECT DISTINCT ${cols(spec.columns)} FROM (${changed})) c ON ${on('f', 'c')})`;
      const dups = `SELECT ${cols(spec.columns)} FROM ${candidates} GROUP BY ALL HAVING count(*) > 1`;
      return [`SELECT ${cols(pick, 'r')} FROM (${from}) r SEMI JOIN (${dups}) d ON ${on('r', 'd')}`, orderBy, []];
    }
    case 'foreign_keys': {
      const c = `r.${quoteIdent(spec.column)}`;
      const keys = `SELECT ${quoteIdent(spec.refColumn)} AS k FROM ${quoteIdent(spec.refTable)}`;
      return [
        `SELECT ${cols(pick, 'r')} FROM (${from}) r WHERE ${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM (${keys}) p WHERE p.k = ${c})`,
        orderBy,
        [],
      ];
    }
  }
}

/**
 * Whether a pass of this check can be carried forward to a candidate that changed some rows:
 * row-local checks, `unique` (a new duplicate holds a changed row) and `foreign_keys` (while the
 * parent table is unchanged, only changed rows can lose their parent).
 */
export async function incremental(env: EvalEnv, spec: CheckSpec): Promise<boolean> {
  return (
    ROW_LOCAL.has(spec.kind) ||
    spec.kind === 'unique' ||
    spec.kind === 'foreign_keys' ||
    (spec.kind === 'sql' && (await env.rowLocalRule(spec)))
  );
}

/** Checks the baseline passed read only the changed rows (or, for `unique`, their groups); the rest read the whole table. */
async function relationFor(env: EvalEnv, t: TableEnv, spec: CheckSpec): Promise<{ rel?: string; mode: CheckMode }> {
  if (env.full || !t.passed.has(fingerprint(spec)) || !(await incremental(env, spec))) return { mode: 'full' };
  if (spec.kind === 'foreign_keys' && !env.tables.get(spec.refTable)!.same) return { mode: 'full' };
  if (t.same) return { mode: 'incremental' };
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
    if (narrowed && env.viewsCreated()) await env.engine.run(`CREATE OR REPLACE TEMP VIEW ${view} AS ${t.snapshot.sql()}`);
    else if (narrowed) await env.engine.run(`DROP VIEW IF EXISTS temp.${view}`);
  }
}

export const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

async function violations(engine: Engine, sql: string, orderBy: string, params?: string[]): Promise<{ count: number; sample: JsonRow[] }> {
  const n = quoteIdent('__lg_violations');
  const rows = await engine.all(`SELECT *, count(*) OVER () AS ${n} FROM (${sql}) ORDER BY ${orderBy} LIMIT ${SAMPLE_SIZE}`, params);
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
