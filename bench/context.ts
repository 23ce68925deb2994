import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Generator, type Pattern } from './generate.js';
import { buildHistory, type History, type HistorySpec } from './history.js';
import type { Sample } from './proc.js';

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
  /** Median user+sys CPU seconds of each side, and their ratio: a check on wall times taken under load. */
  lakegit_cpu_s?: number;
  baseline_cpu_s?: number;
  cpu_ratio?: number;
  rows: number;
  pattern?: Pattern;
  runs?: number;
  note?: string;
}

/** What every figure module gets: the options, a data generator, and histories built once and shared. */
export class Bench {
  private readonly histories = new Map<string, Promise<History>>();
  private baseCsvFile?: Promise<string>;

  private constructor(
    readonly opts: BenchOptions,
    readonly gen: Generator,
  ) {}

  static async open(opts: BenchOptions): Promise<Bench> {
    await fsp.mkdir(opts.work, { recursive: true });
    return new Bench(opts, await Generator.open(path.join(opts.work, 'generator.duckdb')));
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

  /**
   * A lakegit repository (and, unless `lean`, the same history as CSV in git) with `commits` commits
   * of `changes` rows. A full history serves a lean request too. Figures that branch off a history
   * (`branchWith`) share it: each names its own branches.
   */
  history(pattern: Pattern, commits = this.opts.commits, changes = this.opts.changes, lean = false): Promise<History> {
    const spec: HistorySpec = { pattern, commits, changes, lean };
    const name = `hist-${pattern}-c${commits}-k${changes}`;
    let h = this.histories.get(name) ?? (lean ? this.histories.get(`${name}-lean`) : undefined);
    if (!h) {
      const key = lean ? `${name}-lean` : name;
      h = this.baseCsv().then(async (csv) => buildHistory(this, key, csv, spec));
      this.histories.set(key, h);
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

const round = (x: number | undefined, digits: number) => (x === undefined ? undefined : Number(x.toFixed(digits)));

/** A timed figure: lakegit's runs against the baseline's, from one run of the bench. */
export interface TimedFigure {
  figure: string;
  lg: Sample;
  base: Sample;
  baseline: string;
  goal: string;
  /** The ratio the goal allows; without it (and without `met`) the figure has no goal. */
  limit?: number;
  /** For goals that are not a ratio (an absolute time): decided by the caller (null: undecided). */
  met?: boolean | null;
  /** What went wrong in the runs: a figure with problems is never met, and says why. */
  problems?: string[];
  pattern?: Pattern;
  runs?: number;
  note: string;
}

/** The one way a timed figure becomes a record: ratio, goal, CPU and memory fields, problems in the note. */
export function timedRecord(bench: Bench, f: TimedFigure): FigureRecord {
  const ratio = ratioOf(f.lg.median, f.base.median);
  const problems = f.problems ?? [];
  const decided = f.met !== undefined ? f.met : f.limit === undefined ? null : ratio <= f.limit;
  const met = problems.length ? false : decided;
  return {
    figure: f.figure,
    lakegit_s: f.lg.median,
    baseline: f.baseline,
    baseline_s: f.base.median,
    ratio,
    goal: f.goal,
    met,
    ...sampleFields(f.lg, f.base),
    rows: bench.opts.rows,
    pattern: f.pattern ?? bench.opts.patterns[0],
    runs: f.runs ?? f.lg.all.length,
    note: problems.length ? `${f.note}; PROBLEMS: ${problems.join('; ')}` : f.note,
  };
}

/** The memory and CPU fields of a record, from the two sides' samples. */
export const sampleFields = (lg: Sample, base: Sample): Partial<FigureRecord> => ({
  lakegit_peak_mib: round(lg.peakMiB, 1),
  baseline_peak_mib: round(base.peakMiB, 1),
  lakegit_cpu_s: round(lg.cpuMedian, 3),
  baseline_cpu_s: round(base.cpuMedian, 3),
  cpu_ratio: lg.cpuMedian !== undefined && base.cpuMedian ? round(lg.cpuMedian / base.cpuMedian, 3) : undefined,
});
