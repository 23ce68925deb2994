import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { quoteLiteral } from '../../src/engine/quote.js';
import { ratioOf, timedRecord, type Bench, type BenchOptions, type Emit, type FigureModule } from '../context.js';
import { fileState, sameFile } from '../fsstat.js';
import { authorEnv, branchWith, stagedManifest, type History } from '../history.js';
import { duckdb, lakegit, median, paired, Runs } from '../proc.js';
import { quickFigures } from './core-quick.js';

/** Issue 3's figures: first load, small commits, repository size, checkout, and the instant verbs. */
export const core: FigureModule = {
  name: 'core',
  figures: (opts: BenchOptions) => [
    'first-commit',
    ...opts.patterns.flatMap((p) => [`commit-a-${p}`, `commit-bytes-${p}`, `lakegit-size-${p}`, `lakegit-vs-git-${p}`, `checkout-${p}`]),
    'branch',
    'log-n20',
    'status-clean',
    'status-after-checkout',
  ],
  async run(bench, want, emit) {
    if (want('first-commit')) await firstCommit(bench, emit);
    for (const [i, p] of bench.opts.patterns.entries()) {
      const names = ['commit-a', 'commit-bytes', 'lakegit-size', 'lakegit-vs-git', 'checkout'].map((f) => `${f}-${p}`);
      const quick = i === 0 ? QUICK.filter(want) : [];
      if (!names.some(want) && quick.length === 0) continue;
      const h = await bench.history(p);
      if (want(`commit-a-${p}`)) emit(commitTime(bench, h));
      if (want(`commit-bytes-${p}`)) emit(await commitBytes(bench, h));
      if (want(`lakegit-size-${p}`) || want(`lakegit-vs-git-${p}`)) sizes(bench, h, want, emit);
      // Before any checkout: the tree as `commit -a` left it, with the file edited a while before.
      if (quick.length) await quickFigures(bench, h, (f) => quick.includes(f) && f !== 'status-after-checkout', emit);
      if (want(`checkout-${p}`) || quick.includes('status-after-checkout')) await checkoutFigure(bench, h, want, emit);
      // A file lakegit itself just wrote is "racily clean" until something records its stat again.
      if (quick.includes('status-after-checkout')) await quickFigures(bench, h, (f) => f === 'status-after-checkout', emit);
    }
  },
};

const QUICK = ['branch', 'log-n20', 'status-clean', 'status-after-checkout'];

/** `add` + `commit` of the whole table in a fresh repository vs DuckDB copying the CSV to one Parquet file. */
async function firstCommit(bench: Bench, emit: Emit): Promise<void> {
  const csv = await bench.baseCsv();
  const { runs } = bench.opts;
  const addTimes: number[] = [];
  const [lg, base] = await paired(
    runs,
    async (i) => {
      const dir = await bench.dir(`first-${i}`);
      await fsp.copyFile(csv, path.join(dir, 'orders.csv'));
      await lakegit(dir, ['init', '-q']);
      const add = await lakegit(dir, ['add', 'orders.csv', '--key', 'id']);
      const commit = await lakegit(dir, ['commit', '-m', 'load orders'], authorEnv(0));
      addTimes.push(add.seconds);
      await fsp.rm(dir, { recursive: true, force: true });
      return [add, commit];
    },
    async () => {
      const out = path.join(path.dirname(csv), 'copy.parquet');
      const r = await duckdb(
        path.dirname(csv),
        `COPY (SELECT * FROM read_csv(${quoteLiteral(csv)})) TO ${quoteLiteral(out)} (FORMAT parquet)`,
      );
      await fsp.rm(out, { force: true });
      return r;
    },
  );
  emit(
    timedRecord(bench, {
      figure: 'first-commit',
      lg,
      base,
      baseline: 'duckdb: COPY csv TO one parquet',
      goal: '<= 2x',
      limit: 2,
      note: `add ${median(addTimes).toFixed(2)} s + commit ${(lg.median - median(addTimes)).toFixed(2)} s (medians)`,
    }),
  );
}

/** `commit -a` after k changed rows (median over the history's C commits) vs one DuckDB read of the same file. */
function commitTime(bench: Bench, h: History) {
  const [lgRuns, baseRuns] = [new Runs(), new Runs()];
  for (const s of h.samples) {
    lgRuns.add(s.proc);
    baseRuns.add(s.scan!);
  }
  const [lg, base] = [lgRuns.sample, baseRuns.sample];
  const [times, scans] = [lg.all, base.all];
  const worst = times.indexOf(Math.max(...times));
  return timedRecord(bench, {
    figure: `commit-a-${h.pattern}`,
    lg,
    base,
    baseline: 'duckdb: read the working csv into a table',
    goal: '<= 1.5x',
    limit: 1.5,
    pattern: h.pattern,
    note: `k=${h.changes}; slowest commit #${worst + 1}: ${times[worst].toFixed(2)} s (${ratioOf(times[worst], scans[worst]).toFixed(2)}x)`,
  });
}

/** Bytes one `commit -a` of k rows adds to `.lakegit`: ≤ 2 base chunks (clustered), ≤ 1% of the Parquet size (random). */
async function commitBytes(bench: Bench, h: History) {
  const bytes = h.samples.map((s) => s.bytes);
  const m = await stagedManifest(h.lake, 'orders');
  const meanChunk = m.chunks.reduce((s, c) => s + c.bytes, 0) / Math.max(1, m.chunks.length);
  const [limit, baseline, goal] =
    h.pattern === 'clustered'
      ? [2 * meanChunk, `2 base chunks (mean ${Math.round(meanChunk)} B, ${m.chunks.length} chunks)`, '<= 2 base chunks']
      : [0.01 * h.parquetBytes, '1% of one parquet copy', '<= 1% of parquet'];
  const mid = median(bytes);
  const max = Math.max(...bytes);
  const cache = Math.round(median(h.samples.map((s) => s.cacheBytes)));
  return {
    figure: `commit-bytes-${h.pattern}`,
    lakegit_s: null,
    baseline,
    baseline_s: null,
    lakegit_bytes: Math.round(mid),
    baseline_bytes: Math.round(limit),
    ratio: mid / limit,
    goal,
    met: mid <= limit,
    rows: bench.opts.rows,
    pattern: h.pattern,
    runs: bytes.length,
    note:
      `median over ${bytes.length} commits; largest ${max} B (commit #${bytes.indexOf(max) + 1}, ${(max / limit).toFixed(2)}x)` +
      `${cache ? `; not counted: ${cache} B rewritten in .lakegit/cache per commit (median)` : ''}`,
  };
}

/** `.lakegit` after the C commits vs one Parquet copy of the latest version, and vs the same history as CSV in git after `git gc`. */
function sizes(bench: Bench, h: History, want: (f: string) => boolean, emit: Emit): void {
  const common = { lakegit_s: null, baseline_s: null, lakegit_bytes: h.lakegitBytes, rows: bench.opts.rows, pattern: h.pattern };
  const note = `after 1 load + ${h.commits} commits of ${h.changes} rows; .lakegit also holds a 1,000-row customers table`;
  if (want(`lakegit-size-${h.pattern}`)) {
    // Issue 15: the whole of .lakegit, its caches (the line indexes) included, for the user pays for them on disk.
    const all = h.lakegitBytes + h.cacheBytes;
    const ratio = all / h.parquetBytes;
    emit({
      figure: `lakegit-size-${h.pattern}`,
      ...common,
      lakegit_bytes: all,
      baseline: 'one parquet copy of HEAD',
      baseline_bytes: h.parquetBytes,
      ratio,
      goal: '<= 0.6x',
      met: ratio <= 0.6,
      note: `${note}; counted: history ${h.lakegitBytes} B + .lakegit/cache ${h.cacheBytes} B`,
    });
  }
  if (want(`lakegit-vs-git-${h.pattern}`)) {
    const ratio = h.lakegitBytes / h.gitBytes;
    emit({
      figure: `lakegit-vs-git-${h.pattern}`,
      ...common,
      baseline: 'same history as csv in git, after git gc',
      baseline_bytes: h.gitBytes,
      ratio,
      goal: '< 1x',
      met: ratio < 1,
      note: `${note}; not counted: .lakegit/cache ${h.cacheBytes} B`,
    });
  }
}

/**
 * `checkout` between main and a branch that differs in k rows of `orders`, in both directions, vs
 * DuckDB writing that file once from a Parquet copy. The `customers` file must not be touched.
 */
async function checkoutFigure(bench: Bench, h: History, want: (f: string) => boolean, emit: Emit): Promise<void> {
  const branch = `bench-checkout-${h.changes}`;
  const { parquet } = await branchWith(bench, h, branch, h.changes);
  const orders = path.join(h.lake, 'orders.csv');
  const customers = path.join(h.lake, 'customers.csv');
  const customersBefore = await fileState(customers);
  const problems: string[] = [];
  const out = path.join(path.dirname(h.lake), 'checkout-baseline.csv');
  const [lg, base] = await paired(
    2 * bench.opts.runs,
    async (i) => {
      const before = await fileState(orders);
      const r = await lakegit(h.lake, ['checkout', '-q', i % 2 === 0 ? branch : 'main']);
      if (sameFile(before, await fileState(orders))) problems.push(`run ${i + 1} left orders.csv as it was`);
      return r;
    },
    () => duckdb(h.lake, `COPY (SELECT * FROM read_parquet(${quoteLiteral(parquet)})) TO ${quoteLiteral(out)} (FORMAT csv, HEADER true)`),
  );
  if (!sameFile(customersBefore, await fileState(customers))) problems.push('customers.csv was rewritten');
  if (want(`checkout-${h.pattern}`))
    emit(
      timedRecord(bench, {
        figure: `checkout-${h.pattern}`,
        lg,
        base,
        baseline: 'duckdb: write the csv once from parquet',
        goal: '<= 1.5x, only orders.csv rewritten',
        limit: 1.5,
        problems,
        pattern: h.pattern,
        note: `branch differs in ${h.changes} rows; orders.csv rewritten and customers.csv untouched`,
      }),
    );
}
