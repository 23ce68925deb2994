import type { Engine } from '../../engine/db.js';
import type { Column } from '../../table/schema.js';
import { zeroCounts, type RowCounts } from '../rowdiff.js';
import { Comparison } from './compare.js';
import { composedCounts } from './compose.js';
import { pairKey, planPair, type PlannedPair, type Side } from './plan.js';
import type { DiffOptions, DiffRow, PairColumn, PlanInfo, RowOptions, SchemaDelta, TableDiff, TableStatus } from './types.js';

export interface TableMeta { table: string; status: TableStatus; from?: string }

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

  constructor(
    private readonly engine: () => Promise<Engine>, meta: TableMeta, schema: SchemaDelta,
    private readonly sides: { before: Side; after: Side },
    readonly beforeColumns: Column[] | null, readonly afterColumns: Column[] | null,
    private readonly opts: Pick<DiffOptions, 'where' | 'columns'>, known?: RowCounts,
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
  comparison(before: string, after: string, prelude: string[] = []): Comparison {
    return new Comparison({
      before, after, beforeColumns: this.sides.before.columns, afterColumns: this.sides.after.columns,
      key: this.key, columns: this.opts.columns, where: this.opts.where, prelude,
    });
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
      const { plan, cmp } = await this.planned();
      const counts = zeroCounts();
      if (plan.kind === 'same') return counts;
      for (const r of await (await this.engine()).all(cmp.countsSql())) counts[r.op as keyof RowCounts] = Number(r.n);
      return counts;
    })();
    return this.counted;
  }

  async rowsEqual(): Promise<boolean> {
    if (this.counted) {
      const c = await this.counted;
      return c.added + c.removed + c.modified === 0;
    }
    const { plan, cmp } = await this.planned();
    return plan.kind === 'same' || (await (await this.engine()).all(cmp.existsSql())).length === 0;
  }

  async *rows(opts: RowOptions = {}): AsyncGenerator<DiffRow[]> {
    if (opts.limit === 0) return;
    const { plan, cmp } = await this.planned();
    if (plan.kind === 'same') return;
    const engine = await this.engine();
    for await (const batch of engine.stream(cmp.rowsSql(opts))) yield batch.map((r) => cmp.decode(r));
  }
}
