import type { Column } from '../../table/schema.js';
import { pairColumns } from './pair-columns.js';
import type { PairColumn } from './types.js';

/** Flags per packed integer: within a double's exact range. */
export const MASK_BITS = 50;

/**
 * The columns of a comparison (compare.ts) and of its result rows: both sides' columns paired by
 * name, the ones shown (the key and the compared columns), and each side's columns in its own order
 * with their place among the shown ones. A result row holds `__lakegit_op`, then keyed: the key
 * (`__lakegit_k<i>`), each shown column's sides (`__lakegit_b<j>`, `__lakegit_a<j>`) and the
 * changed-column masks (`__lakegit_m<g>`); multisets: the row's values (`__lakegit_v<j>`).
 */
export class ComparisonColumns {
  readonly pair: PairColumn[];
  /** The columns in the output: the key and the compared columns. */
  readonly shown: PairColumn[];
  readonly compared: PairColumn[];
  readonly beforeOrder: [string, number][];
  readonly afterOrder: [string, number][];

  constructor(
    beforeColumns: readonly Column[],
    afterColumns: readonly Column[],
    /** Join key; null compares the rows as multisets. */
    readonly key: string[] | null,
    only?: readonly string[],
  ) {
    this.pair = pairColumns(beforeColumns, afterColumns, key);
    const wanted = only ? new Set(only) : undefined;
    this.shown = this.pair.filter((c) => c.key || !wanted || wanted.has(c.name));
    this.compared = this.shown.filter((c) => !c.key);
    const order = (cols: readonly Column[]) =>
      cols.map((c) => [c.name, this.shown.findIndex((s) => s.name === c.name)] as [string, number]).filter(([, i]) => i >= 0);
    this.beforeOrder = order(beforeColumns);
    this.afterOrder = order(afterColumns);
  }

  get keyed(): boolean {
    return this.key !== null;
  }

  /** The number of `__lakegit_m` columns: changed-column flags packed MASK_BITS to an integer. */
  get maskCount(): number {
    return Math.ceil(this.compared.length / MASK_BITS);
  }

  /** The result columns of a comparison's rows, in order. */
  outputNames(): string[] {
    if (!this.keyed) return ['__lakegit_op', ...this.shown.map((_, j) => `__lakegit_v${j}`)];
    return [
      '__lakegit_op',
      ...this.key!.map((_, i) => `__lakegit_k${i}`),
      ...this.shown.flatMap((c, j) => [
        ...(c.before !== undefined ? [`__lakegit_b${j}`] : []),
        ...(c.after !== undefined ? [`__lakegit_a${j}`] : []),
      ]),
      ...Array.from({ length: this.maskCount }, (_, g) => `__lakegit_m${g}`),
    ];
  }
}
