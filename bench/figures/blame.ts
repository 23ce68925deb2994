import path from 'node:path';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { timedRecord, type Bench, type Emit, type FigureModule } from '../context.js';
import type { History } from '../history.js';
import { duckdb, gitOut, lakegit, lakegitOut, paired, type ProcResult } from '../proc.js';

/**
 * Issue 6: row blame and row history on a history of C commits of k changed rows by four authors.
 * The issue asks for C = 100 and k = 100, so the lead runs with `--commits 100 --changes 100`
 * (the module takes both from the options, so small test runs stay small):
 * - `blame-whole`: `blame orders` (output to /dev/null) vs `git blame orders.csv` on the same
 *   history as CSV in git; goal ≥ 10× faster.
 * - `blame-where`: `blame orders --where "id = K"` for a row changed several times; goal < 1 s,
 *   beside `git blame -L n,n` of that row's line.
 * - `log-key`: `log --table orders --key id=K`; goal < 1 s, beside `git log -L n,n:orders.csv`.
 * - `blame-whole-large`: the whole-table blame on a lean history (no CSV mirror: at 10M rows that
 *   would be a 1 GB git commit per version); goal < 30 s and < 2 GiB peak, meant at N = 10M. Its
 *   baseline, for scale only, is DuckDB reading a Parquet export of the table once.
 * Every lakegit answer is checked (row count of the whole blame, the blamed commit and the number of
 * commits of the chosen row); a wrong answer makes `met` false whatever the time.
 */
export const blame: FigureModule = {
  name: 'blame',
  figures: () => ['blame-whole', 'blame-where', 'log-key', 'blame-whole-large'],
  async run(bench, want, emit) {
    const pattern = bench.opts.patterns[0];
    if (FULL.some(want)) {
      // The full history (with its CSV-in-git mirror) is the one core.ts uses too, built once.
      const h = await bench.history(pattern);
      if (want('blame-whole')) await wholeFigure(bench, h, emit);
      const row = chooseRow(h);
      if (want('blame-where')) await whereFigure(bench, h, row, emit);
      if (want('log-key')) await logKeyFigure(bench, h, row, emit);
    }
    // Lean unless the full history already exists (then that one serves): --only blame-whole-large
    // never builds the CSV mirror.
    if (want('blame-whole-large'))
      await largeFigure(bench, await bench.history(pattern, bench.opts.commits, bench.opts.changes, true), emit);
  },
};

const FULL = ['blame-whole', 'blame-where', 'log-key'];
const BLAME = ['blame', 'orders'];

/**
 * One more, untimed, whole-table blame whose output lines are counted as they stream by: a header
 * and one line per row of the table (the generator's table holds the history's latest rows).
 */
async function checkWhole(bench: Bench, h: History): Promise<{ ok: boolean; text: string }> {
  const r = await lakegitOut(h.lake, BLAME, 'lines');
  const rows = await bench.gen.count(h.table);
  const got = (r.lines ?? 0) - 1;
  return { ok: got === rows, text: `blame printed ${got} rows for a ${rows}-row table${got === rows ? '' : ' (MISMATCH)'}` };
}

/** `blame orders` vs `git blame orders.csv`, both writing to /dev/null. */
async function wholeFigure(bench: Bench, h: History, emit: Emit): Promise<void> {
  const [lg, base] = await paired(
    bench.opts.runs,
    () => lakegitOut(h.lake, BLAME, 'discard'),
    () => gitOut(h.gitcsv, ['blame', 'orders.csv'], 'discard'),
  );
  const check = await checkWhole(bench, h);
  emit(
    timedRecord(bench, {
      figure: 'blame-whole',
      lg,
      base,
      baseline: 'git blame orders.csv on the same history as CSV in git',
      goal: '<= 0.05x (20x faster; issue 15)',
      limit: 0.05,
      problems: check.ok ? [] : ['the blame disagrees with the history'],
      pattern: h.pattern,
      note: `${h.commits} commits of ${h.changes} rows; stdout to /dev/null on both sides; ${check.text}`,
    }),
  );
}

/** The row the single-row figures look at, and what lakegit must say about it. */
interface Row {
  key: number;
  /** Commits of the history that changed it (1-based, oldest first). */
  touched: number[];
  /** Whether the first load added it (then `log --key` lists that commit too). */
  loaded: boolean;
}

/**
 * The key changed by the most commits (clustered histories revisit their newest keys), never
 * deleted, so it is in the table at HEAD; ties go to the smallest key, for a stable choice.
 */
function chooseRow(h: History): Row {
  const touched = new Map<number, number[]>();
  const inserted = new Set<number>();
  const deleted = new Set<number>();
  h.samples.forEach((s, i) => {
    for (const id of [...s.changes.updates, ...s.changes.inserts, ...s.changes.deletes])
      touched.set(id, [...(touched.get(id) ?? []), i + 1]);
    s.changes.inserts.forEach((id) => inserted.add(id));
    s.changes.deletes.forEach((id) => deleted.add(id));
  });
  let best: Row | undefined;
  for (const [key, commits] of touched) {
    if (deleted.has(key)) continue;
    if (!best || commits.length > best.touched.length || (commits.length === best.touched.length && key < best.key)) {
      best = { key, touched: commits, loaded: !inserted.has(key) };
    }
  }
  if (!best) throw new Error('blame: the history changed no row that still exists');
  return best;
}

/**
 * The row's line in the CSV mirror: the files are written in key order with a header, so it is 2 +
 * the number of smaller keys in the generator's copy of HEAD (one query, no pass over the file).
 */
async function lineOf(bench: Bench, h: History, key: number): Promise<number> {
  const r = await bench.gen.conn.runAndReadAll(`SELECT count(*) FROM ${quoteIdent(h.table)} WHERE id < ${key}`);
  return Number(r.getRows()[0][0]) + 2;
}

/** `blame orders --where "id = K"` vs `git blame -L n,n orders.csv`; goal < 1 s. */
async function whereFigure(bench: Bench, h: History, row: Row, emit: Emit): Promise<void> {
  const line = await lineOf(bench, h, row.key);
  const last = row.touched[row.touched.length - 1];
  const outputs: ProcResult[] = [];
  const gitLines: string[] = [];
  const [lg, base] = await paired(
    bench.opts.runs,
    async () => {
      const r = await lakegit(h.lake, [...BLAME, '--where', `${quoteIdent('id')} = ${row.key}`]);
      outputs.push(r);
      return r;
    },
    async () => {
      const r = await gitOut(h.gitcsv, ['blame', '-L', `${line},${line}`, 'orders.csv'], 'collect');
      gitLines.push(r.stdout);
      return r;
    },
  );
  // One header and one row, blamed on the last commit that changed the key ("change j: …").
  const bad = outputs.filter((r) => {
    const lines = r.stdout.trimEnd().split('\n');
    return lines.length !== 2 || !lines[1].startsWith(`${row.key} `) || !lines[1].includes(`change ${last}:`);
  });
  const gitOk = gitLines.every((s) => s.includes(`) ${row.key},`));
  emit(
    timedRecord(bench, {
      figure: 'blame-where',
      lg,
      base,
      baseline: `git blame -L ${line},${line} orders.csv (the row's line), for scale`,
      goal: '< 1 s',
      met: lg.median < 1 && bad.length === 0,
      pattern: h.pattern,
      note:
        `id = ${row.key}, changed by ${row.touched.length} of ${h.commits} commits, last #${last}: ` +
        `${bad.length ? `WRONG blame in ${bad.length} run(s): ${JSON.stringify(bad[0].stdout.slice(0, 300))}` : 'blamed on it'}` +
        `; line ${line} found by counting smaller keys in the generator's copy${gitOk ? '' : ' (git printed another line!)'}`,
    }),
  );
}

/** `log --table orders --key id=K` vs `git log -L n,n:orders.csv`; goal < 1 s; both must list every commit of the row. */
async function logKeyFigure(bench: Bench, h: History, row: Row, emit: Emit): Promise<void> {
  const line = await lineOf(bench, h, row.key);
  const expected = row.touched.length + (row.loaded ? 1 : 0);
  const [lgCounts, gitCounts]: number[][] = [[], []];
  const commitsIn = (r: ProcResult) => r.stdout.split('\n').filter((l) => l.startsWith('commit ')).length;
  const [lg, base] = await paired(
    bench.opts.runs,
    async () => {
      const r = await lakegit(h.lake, ['log', '--table', 'orders', '--key', `id=${row.key}`]);
      lgCounts.push(commitsIn(r));
      return r;
    },
    async () => {
      const r = await gitOut(h.gitcsv, ['log', '-L', `${line},${line}:orders.csv`], 'collect');
      gitCounts.push(commitsIn(r));
      return r;
    },
  );
  const ok = lgCounts.every((n) => n === expected);
  emit(
    timedRecord(bench, {
      figure: 'log-key',
      lg,
      base,
      baseline: `git log -L ${line},${line}:orders.csv (the row's line), for scale`,
      goal: '< 1 s',
      met: lg.median < 1 && ok,
      pattern: h.pattern,
      note:
        `id=${row.key}: expected ${expected} commits (${row.touched.length} changes${row.loaded ? ' + the load' : ''}), ` +
        `lakegit listed ${[...new Set(lgCounts)].join('/')}${ok ? '' : ' (MISMATCH)'}, git log -L ${[...new Set(gitCounts)].join('/')}`,
    }),
  );
}

const LARGE_S = 30;
const LARGE_MIB = 2048;

/**
 * The whole-table blame on the lean history; goal < 30 s and < 2 GiB peak at N = 10M. The baseline
 * gives scale: DuckDB reading every column of a Parquet export of the same rows into a table, once.
 */
async function largeFigure(bench: Bench, h: History, emit: Emit): Promise<void> {
  const dir = await bench.dir('blame-large');
  const parquet = path.join(dir, 'orders.parquet');
  await lakegit(h.lake, ['export', 'orders', parquet]);
  const [lg, base] = await paired(
    bench.opts.runs,
    () => lakegitOut(h.lake, BLAME, 'discard'),
    () => duckdb(dir, `CREATE TABLE t AS SELECT * FROM read_parquet(${quoteLiteral(parquet)})`),
  );
  const check = await checkWhole(bench, h);
  const peak = lg.peakMiB;
  emit(
    timedRecord(bench, {
      figure: 'blame-whole-large',
      lg,
      base,
      baseline: 'duckdb: read a parquet export of the table into a table, once (scale only)',
      goal: `< ${LARGE_S} s and peak < ${LARGE_MIB} MiB (meant at N = 10M)`,
      met: peak === undefined ? null : lg.median < LARGE_S && peak < LARGE_MIB,
      problems: check.ok ? [] : ['the blame disagrees with the history'],
      pattern: h.pattern,
      note:
        `${h.commits} commits of ${h.changes} rows, ${h.lean ? 'lean history' : 'the full history'}; stdout to /dev/null; ${check.text}` +
        `${peak === undefined ? '; no /usr/bin/time: peak memory not measured, so met is undecided' : ''}`,
    }),
  );
}
