import type { JsonRow } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import type { Column } from '../../table/schema.js';
import type { DiffOp, DiffRow, PairColumn } from './types.js';

/** Two relations to compare, already restricted to the rows that may differ (see plan.ts). */
export interface CompareInput {
  before: string;
  after: string;
  beforeColumns: readonly Column[];
  afterColumns: readonly Column[];
  /** Join key; null compares the rows as multisets. */
  key: string[] | null;
  /** Only these columns count (and are shown, beside the key). */
  columns?: readonly string[];
  where?: string;
  /** Common table expressions the relations refer to (`name AS (...)`). */
  prelude?: readonly string[];
}

const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;
const TEMPORAL = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/;

/** Types DuckDB compares by value without a lossy cast; others are compared by their text. */
export const comparable = (a: string, b: string): boolean =>
  a === b || (NUMERIC.test(a) && NUMERIC.test(b)) || (TEMPORAL.test(a) && TEMPORAL.test(b));

const q = quoteIdent;

/** The union of both sides' columns: after's order, then the columns only the old side has. */
export function pairColumns(before: readonly Column[], after: readonly Column[], key: readonly string[] | null): PairColumn[] {
  const old = new Map(before.map((c) => [c.name, c.type]));
  const isKey = (n: string) => !!key?.includes(n);
  return [
    ...after.map((c) => ({ name: c.name, before: old.get(c.name), after: c.type, key: isKey(c.name) })),
    ...before.filter((c) => !after.some((a) => a.name === c.name)).map((c) => ({ name: c.name, before: c.type, key: isKey(c.name) })),
  ];
}

const mixed = (c: PairColumn) => c.before !== undefined && c.after !== undefined && !comparable(c.before, c.after);
const asText = (expr: string) => `CAST(${expr} AS VARCHAR)`;

/**
 * The SQL of a row- and cell-level comparison, and the decoder of its result rows. Both sides are
 * projected onto the union of columns (a column a side lacks is NULL there), so `--where` reads
 * the same names on both sides and a new or dropped column counts only where it is not NULL.
 */
export class Comparison {
  readonly pair: PairColumn[];
  /** The columns in the output: the key and the compared columns. */
  readonly shown: PairColumn[];
  private readonly compared: PairColumn[];
  private readonly beforeOrder: [string, number][];
  private readonly afterOrder: [string, number][];

  constructor(private readonly input: CompareInput) {
    this.pair = pairColumns(input.beforeColumns, input.afterColumns, input.key);
    const only = input.columns ? new Set(input.columns) : undefined;
    this.shown = this.pair.filter((c) => c.key || !only || only.has(c.name));
    this.compared = this.shown.filter((c) => !c.key);
    const order = (cols: readonly Column[]) => cols
      .map((c) => [c.name, this.shown.findIndex((s) => s.name === c.name)] as [string, number]).filter(([, i]) => i >= 0);
    this.beforeOrder = order(input.beforeColumns);
    this.afterOrder = order(input.afterColumns);
  }

  get keyed(): boolean { return this.input.key !== null; }

  /** Changed rows in key order (multisets: in row order, one row per copy). */
  rowsSql(opts: { limit?: number; text?: boolean } = {}): string {
    const limit = opts.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(opts.limit))}`;
    if (!this.keyed) return `${this.multisetSql(!!opts.text)} ORDER BY ${this.multisetOrder()}${limit}`;
    return `${this.keyedSql(!!opts.text)} ORDER BY ${this.keyExprs().join(', ')}${limit}`;
  }

  /** One row per op with its count. */
  countsSql(): string {
    if (!this.keyed) {
      return `${this.withSides()}, ${this.multisetCte()}
        SELECT CASE WHEN __lg_n > 0 THEN 'added' ELSE 'removed' END AS op, sum(abs(__lg_n)) AS n FROM __lg_m GROUP BY 1`;
    }
    return `SELECT __lg_op AS op, count(*) AS n FROM (${this.keyedSql(false)}) GROUP BY 1`;
  }

  /** A query returning a row when anything differs. */
  existsSql(): string {
    return `SELECT 1 FROM (${this.keyed ? this.keyedSql(false) : this.multisetSql(false)}) LIMIT 1`;
  }

  /** A query that fails to bind when `--where` does not fit the columns; reads nothing. */
  whereCheckSql(): string {
    const cols = this.pair.map((c) => `CAST(NULL AS ${c.after ?? c.before}) AS ${q(c.name)}`).join(', ');
    return `SELECT * FROM (SELECT ${cols}) WHERE (${this.input.where ?? 'true'}) LIMIT 0`;
  }

  decode(row: JsonRow): DiffRow {
    const op = row.__lg_op as DiffOp;
    const value = (side: 'b' | 'a' | 'v', i: number) => row[`__lg_${side}${i}`];
    const pick = (side: 'b' | 'a' | 'v', order: [string, number][]) =>
      Object.fromEntries(order.map(([name, i]) => [name, value(side, i)])) as JsonRow;
    if (!this.keyed) {
      return op === 'added'
        ? { op, key: null, before: null, after: pick('v', this.afterOrder), changed: [] }
        : { op, key: null, before: pick('v', this.beforeOrder), after: null, changed: [] };
    }
    const key = Object.fromEntries(this.input.key!.map((k, i) => [k, row[`__lg_k${i}`]])) as JsonRow;
    const changed = op === 'modified' ? this.compared.filter((_, j) => row[`__lg_f${j}`] === true).map((c) => c.name) : [];
    return {
      op, key,
      before: op === 'added' ? null : pick('b', this.beforeOrder),
      after: op === 'removed' ? null : pick('a', this.afterOrder),
      changed,
    };
  }

  /** Each side projected onto the union of columns and filtered by `--where`. */
  private withSides(castMixed = false): string {
    const side = (rel: string, has: (c: PairColumn) => string | undefined) => {
      const cols = this.pair.map((c) => {
        const own = has(c);
        const expr = own === undefined ? `CAST(NULL AS ${c.after ?? c.before})` : q(c.name);
        return `${castMixed && mixed(c) ? asText(expr) : expr} AS ${q(c.name)}`;
      });
      const where = this.input.where ? ` WHERE (${this.input.where})` : '';
      return `SELECT * FROM (SELECT ${['true AS __lg_p', ...cols].join(', ')} FROM (${rel}))${where}`;
    };
    const ctes = [...(this.input.prelude ?? []),
      `__lg_b AS (${side(this.input.before, (c) => c.before)})`,
      `__lg_a AS (${side(this.input.after, (c) => c.after)})`];
    return `WITH ${ctes.join(',\n')}`;
  }

  private keyExprs(): string[] {
    return this.input.key!.map((k) => {
      const c = this.pair.find((p) => p.name === k)!;
      return mixed(c) ? `coalesce(${asText(`a.${q(k)}`)}, ${asText(`b.${q(k)}`)})` : `coalesce(a.${q(k)}, b.${q(k)})`;
    });
  }

  private distinct(c: PairColumn): string {
    const [b, a] = [`b.${q(c.name)}`, `a.${q(c.name)}`];
    return mixed(c) ? `${asText(b)} IS DISTINCT FROM ${asText(a)}` : `${b} IS DISTINCT FROM ${a}`;
  }

  private keyedSql(text: boolean): string {
    const key = this.input.key!;
    const out = (e: string) => (text ? asText(e) : e);
    const on = key.map((k) => {
      const c = this.pair.find((p) => p.name === k)!;
      return mixed(c) ? `${asText(`b.${q(k)}`)} = ${asText(`a.${q(k)}`)}` : `b.${q(k)} = a.${q(k)}`;
    }).join(' AND ');
    const flags = this.compared.map((c) => this.distinct(c));
    const cols = [
      `CASE WHEN b.__lg_p IS NULL THEN 'added' WHEN a.__lg_p IS NULL THEN 'removed' ELSE 'modified' END AS __lg_op`,
      ...this.keyExprs().map((e, i) => `${out(e)} AS __lg_k${i}`),
      ...this.shown.flatMap((c, j) => [
        ...(c.before !== undefined ? [`${out(`b.${q(c.name)}`)} AS __lg_b${j}`] : []),
        ...(c.after !== undefined ? [`${out(`a.${q(c.name)}`)} AS __lg_a${j}`] : []),
      ]),
      ...flags.map((f, j) => `${f} AS __lg_f${j}`),
    ];
    const anyChange = flags.length ? ` OR ${flags.map((f) => `(${f})`).join(' OR ')}` : '';
    return `${this.withSides()}
      SELECT ${cols.join(', ')} FROM __lg_b b FULL OUTER JOIN __lg_a a ON ${on}
      WHERE b.__lg_p IS NULL OR a.__lg_p IS NULL${anyChange}`;
  }

  private multisetCte(): string {
    const cols = this.shown.map((c) => q(c.name)).join(', ');
    if (!cols) return '__lg_m AS (SELECT 0 AS __lg_n WHERE false)';
    return `__lg_m AS (SELECT ${cols}, sum(__lg_w) AS __lg_n FROM (
        SELECT ${cols}, 1 AS __lg_w FROM __lg_a UNION ALL SELECT ${cols}, -1 AS __lg_w FROM __lg_b)
      GROUP BY ALL HAVING sum(__lg_w) <> 0)`;
  }

  private multisetSql(text: boolean): string {
    const vals = this.shown.map((c, j) => `${text ? asText(q(c.name)) : q(c.name)} AS __lg_v${j}`);
    return `${this.withSides(true)}, ${this.multisetCte()}
      SELECT CASE WHEN __lg_n > 0 THEN 'added' ELSE 'removed' END AS __lg_op${vals.map((v) => `, ${v}`).join('')}
      FROM __lg_m, range(abs(__lg_n)::BIGINT) AS __lg_r(__lg_i)`;
  }

  private multisetOrder(): string {
    return [...this.shown.map((c) => q(c.name)), '__lg_op'].join(', ');
  }
}
