import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Generator, type Pattern } from './generate.js';
import { buildHistory, type History, type HistorySpec } from './history.js';

export interface BenchOptions {
  rows: number;
  commits: number;
  changes: number;
  patterns: Pattern[];
  runs: number;
  seed: number;
  work: string;
  only?: string[];
}

/**
 * One figure as `npm run bench` reports it. Time figures fill `lakegit_s`/`baseline_s`; size figures
 * leave them null and fill `lakegit_bytes`/`baseline_bytes` instead, so a number's unit is its name.
 * `ratio` is lakegit over the baseline; `met` says whether `goal` holds (null: no goal applies).
 */
export interface FigureRecord {
  figure: string;
  lakegit_s: number | null;
  baseline: string;
  baseline_s: number | null;
  ratio: number | null;
  goal: string;
  met: boolean | null;
  lakegit_bytes?: number;
  baseline_bytes?: number;
  lakegit_peak_mib?: number;
  baseline_peak_mib?: number;
  rows: number;
  pattern?: Pattern;
  runs?: number;
  note?: string;
}

/** What every figure module gets: the options, a data generator, and histories built once and shared. */
export class Bench {
  private readonly histories = new Map<string, Promise<History>>();
  private baseCsvFile?: Promise<string>;

  private constructor(readonly opts: BenchOptions, readonly gen: Generator) {}

  static async open(opts: BenchOptions): Promise<Bench> {
    await fsp.mkdir(opts.work, { recursive: true });
    return new Bench(opts, await Generator.open());
  }

  /** A fresh, empty directory under the work area. */
  async dir(name: string): Promise<string> {
    const d = path.join(this.opts.work, name);
    await fsp.rm(d, { recursive: true, force: true });
    await fsp.mkdir(d, { recursive: true });
    return d;
  }

  /** The generated `orders` table as first loaded (N rows), as a CSV file; the table `orders_base` holds it too. */
  baseCsv(): Promise<string> {
    this.baseCsvFile ??= (async () => {
      const file = path.join(await this.dir('data'), 'orders.csv');
      await this.gen.createOrders('orders_base', this.opts.rows);
      await this.gen.writeCsv('orders_base', file);
      return file;
    })();
    return this.baseCsvFile;
  }

  /** A lakegit repository (and the same history as CSV in git) with `commits` commits of `changes` rows. */
  history(pattern: Pattern, commits = this.opts.commits, changes = this.opts.changes): Promise<History> {
    const spec: HistorySpec = { pattern, commits, changes };
    const name = `hist-${pattern}-c${commits}-k${changes}`;
    let h = this.histories.get(name);
    if (!h) {
      h = this.baseCsv().then(async (csv) => buildHistory(this, name, csv, spec));
      this.histories.set(name, h);
    }
    return h;
  }

  close(): void {
    this.gen.close();
  }
}

export type Emit = (record: FigureRecord) => void;

/**
 * A group of figures, typically one issue's. `figures` names everything it can report (for --only
 * and the listing); `run` measures those `want` accepts and emits one record per figure.
 */
export interface FigureModule {
  name: string;
  figures(opts: BenchOptions): string[];
  run(bench: Bench, want: (figure: string) => boolean, emit: Emit): Promise<void>;
}

export const ratioOf = (a: number, b: number): number => (b > 0 ? a / b : Number.POSITIVE_INFINITY);
