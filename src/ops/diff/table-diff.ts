import type { Json } from '@duckdb/node-api';
import type { Engine } from '../../engine/db.js';
import type { Column } from '../../table/schema.js';
import { zeroCounts, type RowCounts } from './rowdiff.js';
import { Comparison } from './compare.js';
import { composedCounts } from './compose.js';
import { pairKey, planPair, type PlannedPair, type Side } from './plan.js';
import { keyRanges, rangePredicate, type BoundPredicate, type KeyRange } from './ranges.js';
import type { ChunkRef } from '../../table/manifest.js';
import { TableSnapshot } from '../../table/snapshot.js';
import { copiedJsonText, jsonTuning } from './json-text.js';
import type { DiffOptions, DiffRow, PairColumn, PlanInfo, RowOptions, SchemaDelta, TableDiff, TableStatus } from './types.js';

const total = (c: RowCounts): number => c.added + c.removed + c.modified;

/** One comparison of `PlannedTableDiff.parts()`, with what its sides are known to be. */
interface Part {
  cmp: Comparison;
  /** Both sides are base chunks alone, so each reads in key order. */
  ordered: boolean;
  /** Both sides hold whole chunks of as many rows in all. */
  sameRows: boolean;
}

/**
 * Whether range `r`'s two sides hold the same number of rows, by the manifests: each side's chunks
 * lie wholly in the range (a chunk across a cut is listed in two ranges) and add up alike.
 */
function sameRows(ranges: readonly Pick<KeyRange, 'before' | 'after'>[], r: Pick<KeyRange, 'before' | 'after'>): boolean {
  const whole = (side: 'before' | 'after') => r[side].every((c) => ranges.every((o) => o === r || !o[side].includes(c)));
  const rows = (cs: ChunkRef[]) => cs.reduce((n, c) => n + c.rows, 0);
  return whole('before') && whole('after') && rows(r.before) === rows(r.after);
}

export interface TableMeta {
  table: string;
  status: TableStatus;
  from?: string;
}

/**
 * One table's comparison. The shape (columns, key, schema) is known at once; what to read is
 * planned on first use, so `--stat` of nearby commits can answer from change chunks alone.
 */
export class PlannedTableDiff implements TableDiff {
  readonly table: string;
  readonly status: TableStatus;
  readonly from?: string;
  readonly schema: SchemaDelta;
  readonly key: string[] | null;
  readonly columns: PairColumn[];
  private planning?: Promise<{ plan: PlannedPair; cmp: Comparison }>;
  private counted?: Promise<RowCounts>;
  private split?: Promise<Part[]>;

  constructor(
    private readonly engine: () => Promise<Engine>,
    meta: TableMeta,
    schema: SchemaDelta,
    private readonly sides: { before: Side; after: Side },
    readonly beforeColumns: Column[] | null,
    readonly afterColumns: Column[] | null,
    private readonly opts: Pick<DiffOptions, 'where' | 'columns'>,
    known?: RowCounts,
  ) {
    this.table = meta.table;
    this.status = meta.status;
    if (meta.from !== undefined) this.from = meta.from;
    this.schema = schema;
    this.key = pairKey(sides.before, sides.after);
    this.columns = this.comparison('', '').shown;
    if (known) this.counted = Promise.resolve(known);
  }

  /** The comparison over two relations, with this table's columns, key and options. */
  comparison(before: string, after: string, prelude: string[] = [], filter?: BoundPredicate): Comparison {
    return new Comparison({
      before,
      after,
      beforeColumns: this.sides.before.columns,
      afterColumns: this.sides.after.columns,
      key: this.key,
      columns: this.opts.columns,
      where: this.opts.where,
      prelude,
      filter,
    });
  }

  /**
   * The comparisons to run, in key order: one per key range when the plan allows it (each reads
   * only its own chunks), else the planned one.
   */
  private async parts(): Promise<Comparison[]> {
    return (await this.splitParts()).map((p) => p.cmp);
  }

  /**
   * `parts()`, each with what is known of its two sides: whether both are base chunks alone (read
   * in key order, see TableSnapshot.baseSql) and whether they provably hold as many rows.
   */
  private splitParts(): Promise<Part[]> {
    this.split ??= (async () => {
      const { plan, cmp } = await this.planned();
      if (plan.kind === 'same') return [];
      const planned = [{ cmp, ordered: false, sameRows: false }];
      if (!plan.ranged || !this.key) return planned;
      const { before, after } = plan.ranged;
      const ordered = before.manifest.deltas.length === 0 && after.manifest.deltas.length === 0;
      const types = this.key.map((k) => after.columns.find((c) => c.name === k)!.type);
      const cut = await keyRanges(await this.engine(), before.manifest, after.manifest, this.key, types);
      if (!cut && !ordered) return planned;
      // One range over everything when the table is not cut: the planned sides, as base chunks alone.
      const ranges = cut ?? [{ before: before.manifest.chunks, after: after.manifest.chunks }];
      const sql = (snap: TableSnapshot, chunks: ChunkRef[]) => new TableSnapshot({ ...snap.manifest, chunks }, snap.store).sql();
      return ranges.map((r) => ({
        cmp: this.comparison(sql(before, r.before), sql(after, r.after), [], cut ? rangePredicate(r, this.key!, types) : undefined),
        ordered,
        sameRows: sameRows(ranges, r),
      }));
    })();
    return this.split;
  }

  private planned() {
    this.planning ??= (async () => {
      const plan = await planPair(this.engine, this.sides.before, this.sides.after);
      return { plan, cmp: this.comparison(plan.before, plan.after, plan.prelude) };
    })();
    return this.planning;
  }

  async plan(): Promise<PlanInfo> {
    const { kind, chunksRead, chunksTotal } = (await this.planned()).plan;
    return { kind, chunksRead, chunksTotal };
  }

  stats(): Promise<RowCounts> {
    this.counted ??= (async () => {
      const filtered = this.opts.where !== undefined || this.opts.columns !== undefined;
      const composed = filtered ? undefined : await composedCounts(this.engine, this.sides.before, this.sides.after);
      if (composed) return composed;
      const counts = zeroCounts();
      const engine = await this.engine();
      for (const cmp of await this.parts()) {
        for (const r of await engine.all(cmp.countsSql(), cmp.params)) counts[r.op as keyof RowCounts] += Number(r.n);
      }
      return counts;
    })();
    return this.counted;
  }

  async rowsEqual(): Promise<boolean> {
    if (this.counted) {
      const c = await this.counted;
      return c.added + c.removed + c.modified === 0;
    }
    const engine = await this.engine();
    for (const cmp of await this.parts()) if ((await engine.all(cmp.existsSql(), cmp.params)).length) return false;
    return true;
  }

  rows(opts: RowOptions = {}): AsyncGenerator<DiffRow[]> {
    return this.acrossParts(opts.limit, (cmp, limit) => this.partRows(cmp, { ...opts, limit }));
  }

  /**
   * The changed rows as the contract's JSON text, in key order, joined by `,\n`, in pieces of text
   * or UTF-8 bytes. Rendered by DuckDB where the column types allow (Comparison.jsonSql): a diff of
   * at least `jsonTuning.fileRows` rows is written by DuckDB to a file per key range and passed on
   * as bytes, a smaller one streamed as strings; other types are stringified here.
   */
  async *jsonText(opts: Pick<RowOptions, 'limit'> = {}): AsyncGenerator<string | Uint8Array> {
    const parts = await this.splitParts();
    if (parts.every((p) => p.cmp.jsonSql() !== undefined) && total(await this.stats()) >= jsonTuning.fileRows) {
      // Unfiltered counts with nothing added or removed: both sides hold the same keys in every range.
      const counts = await this.stats();
      const sameKeys = this.opts.where === undefined && this.opts.columns === undefined && counts.added + counts.removed === 0;
      const engine = await this.engine();
      yield* copiedJsonText(
        engine,
        parts.map(({ cmp, ordered, sameRows }) => ({
          sql: (limit?: number) => cmp.jsonSql({ limit })!,
          ...(ordered && (sameKeys || sameRows) ? { aligned: (limit?: number) => cmp.jsonSql({ limit, aligned: true })! } : {}),
          params: cmp.params,
        })),
        opts.limit,
      );
      return;
    }
    let sep = '';
    for await (const batch of this.jsonRows(opts)) {
      if (batch.length === 0) continue;
      yield sep + batch.join(',\n');
      sep = ',\n';
    }
  }

  /** The changed rows as JSON text, one string per row, in batches. */
  private jsonRows(opts: Pick<RowOptions, 'limit'> = {}): AsyncGenerator<string[]> {
    return this.acrossParts(opts.limit, (cmp, limit) => {
      const sql = cmp.jsonSql({ limit });
      return sql === undefined ? this.stringified(cmp, limit) : this.rendered(sql, cmp.params);
    });
  }

  /** Each part's batches in key order, the parts asked for no more than the rows `limit` leaves. */
  private async *acrossParts<T>(
    limit: number | undefined,
    part: (cmp: Comparison, limit?: number) => AsyncGenerator<T[]>,
  ): AsyncGenerator<T[]> {
    let left = limit ?? Infinity;
    for (const cmp of await this.parts()) {
      if (left <= 0) return;
      for await (const batch of part(cmp, Number.isFinite(left) ? left : undefined)) {
        left -= batch.length;
        yield batch;
      }
    }
  }

  /** Rows DuckDB rendered as JSON (see Comparison.jsonSql). */
  private async *rendered(sql: string, params: Comparison['params']): AsyncGenerator<string[]> {
    for await (const { rows } of (await this.engine()).streamArrays(sql, params)) yield rows.map((r) => r[0] as string);
  }

  /** Rows of types DuckDB does not render as the contract does, stringified here. */
  private async *stringified(cmp: Comparison, limit?: number): AsyncGenerator<string[]> {
    for await (const batch of this.partRows(cmp, { limit })) yield batch.map((r) => JSON.stringify(r));
  }

  private async *partRows(cmp: Comparison, opts: RowOptions): AsyncGenerator<DiffRow[]> {
    let decode: ((row: readonly Json[]) => DiffRow) | undefined;
    for await (const { names, rows } of (await this.engine()).streamArrays(cmp.rowsSql(opts), cmp.params)) {
      decode ??= cmp.decoder(names);
      yield rows.map(decode);
    }
  }
}
