import type { Json } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../../engine/quote.js';
import type { Column } from '../../table/schema.js';
import { ComparisonColumns, MASK_BITS } from './compare-columns.js';
import { rowDecoder } from './compare-decode.js';
import { rowJsonText } from './compare-json.js';
import type { BoundPredicate } from './ranges.js';
import { mixed } from './pair-columns.js';
import type { DiffRow, PairColumn } from './types.js';

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
  /** A further condition on both sides (a key range), ANDed with `where`; its values are the queries' parameters. */
  filter?: BoundPredicate;
  /** Common table expressions the relations refer to (`name AS (...)`). */
  prelude?: readonly string[];
}

const q = quoteIdent;

const asText = (expr: string) => `CAST(${expr} AS VARCHAR)`;
/** The error an aligned comparison (see `keyedSql`) fails with when its sides' keys do not pair up. */
export const MISALIGNED = 'lakegit: diff sides not aligned by key';

/**
 * The SQL of a row- and cell-level comparison, and the decoder of its result rows. Both sides are
 * projected onto the union of columns (a column a side lacks is NULL there), so `--where` reads
 * the same names on both sides and a new or dropped column counts only where it is not NULL.
 * The result rows' columns: compare-columns.ts; their JSON text: compare-json.ts; their decoding
 * into diff rows: compare-decode.ts.
 */
export class Comparison {
  readonly pair: PairColumn[];
  /** The columns in the output: the key and the compared columns. */
  readonly shown: PairColumn[];
  private readonly compared: PairColumn[];
  private readonly columns: ComparisonColumns;

  constructor(private readonly input: CompareInput) {
    this.columns = new ComparisonColumns(input.beforeColumns, input.afterColumns, input.key, input.columns);
    this.pair = this.columns.pair;
    this.shown = this.columns.shown;
    this.compared = this.columns.compared;
  }

  /** The values every query of this comparison binds (those of `filter`); undefined when none. */
  get params(): (string | null)[] | undefined {
    return this.input.filter?.params.length ? this.input.filter.params : undefined;
  }

  get keyed(): boolean {
    return this.input.key !== null;
  }

  /**
   * Changed rows in key order (multisets: in row order, one row per copy). Text casts are applied
   * after the sort, so the sort carries typed values, not strings.
   */
  rowsSql(opts: { limit?: number; text?: boolean; aligned?: boolean } = {}): string {
    const limit = opts.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(opts.limit))}`;
    if (opts.aligned && this.keyed) return `${this.keyedSql(true)}${limit}`;
    const sorted = this.keyed
      ? `${this.keyedSql()} ORDER BY ${this.input.key!.map((_, i) => `__lakegit_k${i}`).join(', ')}${limit}`
      : `${this.multisetSql()} ORDER BY ${this.multisetOrder()}${limit}`;
    if (!opts.text) return sorted;
    const names = this.columns.outputNames();
    const cast = (n: string) => (n === '__lakegit_op' || n.startsWith('__lakegit_m') ? n : `CAST(${n} AS VARCHAR) AS ${n}`);
    return `SELECT ${names.map(cast).join(', ')} FROM (${sorted})`;
  }

  /**
   * The rows of `rowsSql` rendered by DuckDB as the contract's JSON text, one VARCHAR per row
   * (`__lakegit_json`), byte for byte JSON.stringify of what `decoder` gives: a diff of millions of rows
   * is then text from end to end. Undefined when a shown column's type is left to JavaScript.
   * `aligned`: see `keyedSql`.
   */
  jsonSql(opts: { limit?: number; aligned?: boolean } = {}): string | undefined {
    const json = rowJsonText(this.columns);
    return (
      json &&
      `SELECT ${json} AS __lakegit_json
      FROM (${this.rowsSql(opts)})`
    );
  }

  /** One row per op with its count. */
  countsSql(): string {
    if (!this.keyed) {
      return `${this.withSides(true)}, ${this.multisetCte()}
        SELECT CASE WHEN __lakegit_n > 0 THEN 'added' ELSE 'removed' END AS op, sum(abs(__lakegit_n)) AS n FROM __lakegit_m GROUP BY 1`;
    }
    return `SELECT __lakegit_op AS op, count(*) AS n FROM (${this.keyedSql()}) GROUP BY 1`;
  }

  /** A query returning a row when anything differs. */
  existsSql(): string {
    return `SELECT 1 FROM (${this.keyed ? this.keyedSql() : this.multisetSql()}) LIMIT 1`;
  }

  /** A query that fails to bind when `--where` does not fit the columns; reads nothing. */
  whereCheckSql(): string {
    const cols = this.pair.map((c) => `CAST(NULL AS ${c.after ?? c.before}) AS ${q(c.name)}`).join(', ');
    return `SELECT * FROM (SELECT ${cols}) WHERE (${this.input.where ?? 'true'}) LIMIT 0`;
  }

  /** Turns result rows (by the column names of `rowsSql`) into diff rows. */
  decoder(names: readonly string[]): (row: readonly Json[]) => DiffRow {
    return rowDecoder(this.columns, names);
  }

  /** Changed-column flags packed MASK_BITS to an integer: a row carries a few values, not one per column. */
  private masks(): string[][] {
    const flags = this.compared.map((c) => this.distinct(c));
    const groups: string[][] = [];
    flags.forEach((f, j) => (groups[Math.floor(j / MASK_BITS)] ??= []).push(`(CAST(${f} AS BIGINT) << ${j % MASK_BITS})`));
    return groups;
  }

  /**
   * Each side projected onto the union of columns, restricted to `filter` (a key range). Keyed
   * pairs only mark whether a row satisfies `--where` (`__lakegit_w`): rows are matched by key
   * first and a change is kept when either side's row satisfies it, so a change keeps its true kind.
   * Multisets have no key to match by: each side's rows are filtered before they are counted.
   */
  private withSides(castMixed = false): string {
    const where = this.input.where ? `(${this.input.where})` : undefined;
    const side = (rel: string, has: (c: PairColumn) => string | undefined) => {
      const cols = this.pair.map((c) => {
        const own = has(c);
        const expr = own === undefined ? `CAST(NULL AS ${c.after ?? c.before})` : q(c.name);
        return `${castMixed && mixed(c) ? asText(expr) : expr} AS ${q(c.name)}`;
      });
      const conds = [this.keyed ? undefined : where, this.input.filter ? `(${this.input.filter.sql})` : undefined].filter(
        (c): c is string => !!c,
      );
      const mark = this.keyed && where ? `, coalesce(${where}, false) AS __lakegit_w` : '';
      const rows = `SELECT *${mark} FROM (SELECT ${['true AS __lakegit_p', ...cols].join(', ')} FROM (${rel}))`;
      return conds.length ? `SELECT * FROM (${rows}) WHERE ${conds.join(' AND ')}` : rows;
    };
    const ctes = [
      ...(this.input.prelude ?? []),
      `__lakegit_b AS (${side(this.input.before, (c) => c.before)})`,
      `__lakegit_a AS (${side(this.input.after, (c) => c.after)})`,
    ];
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

  /**
   * The keyed comparison: a full outer join by key. `aligned` pairs the sides' rows by position
   * instead (POSITIONAL JOIN: no hash table, and the rows stay in the sides' order, so a caller that
   * reads both sides in key order needs no sort). Only right when both sides hold the same keys in
   * the same order: every pair is checked, and the first whose keys differ (or a side that runs out)
   * fails the query with MISALIGNED, before any condition can drop that row.
   */
  private keyedSql(aligned = false): string {
    const key = this.input.key!;
    const on = key
      .map((k) => {
        const c = this.pair.find((p) => p.name === k)!;
        return mixed(c) ? `${asText(`b.${q(k)}`)} = ${asText(`a.${q(k)}`)}` : `b.${q(k)} = a.${q(k)}`;
      })
      .join(' AND ');
    const flags = this.compared.map((c) => this.distinct(c));
    const cols = [
      `CASE WHEN b.__lakegit_p IS NULL THEN 'added' WHEN a.__lakegit_p IS NULL THEN 'removed' ELSE 'modified' END AS __lakegit_op`,
      ...this.keyExprs().map((e, i) => `${e} AS __lakegit_k${i}`),
      ...this.shown.flatMap((c, j) => [
        ...(c.before !== undefined ? [`b.${q(c.name)} AS __lakegit_b${j}`] : []),
        ...(c.after !== undefined ? [`a.${q(c.name)} AS __lakegit_a${j}`] : []),
      ]),
      ...this.masks().map((g, i) => `${g.join(' | ')} AS __lakegit_m${i}`),
    ];
    const anyChange = flags.length ? ` OR ${flags.map((f) => `(${f})`).join(' OR ')}` : '';
    const kept = `(b.__lakegit_p IS NULL OR a.__lakegit_p IS NULL${anyChange})${this.input.where ? ' AND (coalesce(b.__lakegit_w, false) OR coalesce(a.__lakegit_w, false))' : ''}`;
    if (aligned) {
      return `${this.withSides()}
      SELECT ${cols.join(', ')} FROM __lakegit_b b POSITIONAL JOIN __lakegit_a a
      WHERE CASE WHEN ${on} THEN ${kept} ELSE error(${quoteLiteral(MISALIGNED)}) END`;
    }
    return `${this.withSides()}
      SELECT ${cols.join(', ')} FROM __lakegit_b b FULL OUTER JOIN __lakegit_a a ON ${on}
      WHERE ${kept}`;
  }

  private multisetCte(): string {
    const cols = this.shown.map((c) => q(c.name)).join(', ');
    if (!cols) return '__lakegit_m AS (SELECT 0 AS __lakegit_n WHERE false)';
    return `__lakegit_m AS (SELECT ${cols}, sum(__lakegit_w) AS __lakegit_n FROM (
        SELECT ${cols}, 1 AS __lakegit_w FROM __lakegit_a UNION ALL SELECT ${cols}, -1 AS __lakegit_w FROM __lakegit_b)
      GROUP BY ALL HAVING sum(__lakegit_w) <> 0)`;
  }

  private multisetSql(): string {
    const vals = this.shown.map((c, j) => `${q(c.name)} AS __lakegit_v${j}`);
    return `${this.withSides(true)}, ${this.multisetCte()}
      SELECT CASE WHEN __lakegit_n > 0 THEN 'added' ELSE 'removed' END AS __lakegit_op${vals.map((v) => `, ${v}`).join('')}
      FROM __lakegit_m, range(abs(__lakegit_n)::BIGINT) AS __lakegit_r(__lakegit_i)`;
  }

  private multisetOrder(): string {
    return [...this.shown.map((c) => q(c.name)), '__lakegit_op'].join(', ');
  }
}
