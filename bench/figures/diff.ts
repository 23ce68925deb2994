import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { sampleFields, timedRecord, type Bench, type Emit, type FigureModule, type FigureRecord } from '../context.js';
import type { ChangeSet } from '../generate.js';
import { branchOff, branchWith, changesOnHead, type History } from '../history.js';
import { duckdb, git, gitOut, lakegit, lakegitOut, Runs, type ProcResult, type Sample } from '../proc.js';

/**
 * Issue 4: `lakegit diff` between main and a branch that changed k rows, against the two ways to
 * diff two versions without lakegit: DuckDB joining the two complete snapshots, and `git diff` of
 * the two CSV files. Then the worst case (every row changed), where skipping shared chunks cannot
 * help and must not cost, and the peak memory of that diff.
 */
export const diff: FigureModule = {
  name: 'diff',
  figures: () => [...K_FIGURES, ...GIT_FIGURES, 'diff-rewrite', 'diff-peak-memory'],
  async run(bench, want, emit) {
    const all = diff.figures(bench.opts);
    if (!all.some(want)) return;
    const h = await bench.history(bench.opts.patterns[0], 0, bench.opts.changes, true);
    const s = await setup(bench, h);
    for (const k of [100, 10_000]) {
      if (figuresOfK(k).some(want)) await branchFigures(bench, s, k, want, emit);
    }
    if (want('diff-rewrite') || want('diff-peak-memory')) await rewriteFigures(bench, s, want, emit);
    await fsp.rm(s.dir, { recursive: true, force: true });
  },
};

const K_FIGURES = [100, 10_000].flatMap((k) => [`diff-stat-k${k}`, `diff-json-k${k}`]);
const GIT_FIGURES = ['diff-stat-k100-vs-git', 'diff-json-k100-vs-git'];
const figuresOfK = (k: number) => [`diff-stat-k${k}`, `diff-json-k${k}`, ...(k === 100 ? GIT_FIGURES : [])];
const TEN_M = 10_000_000;
const MIB = 1024 * 1024;
const PEAK_LIMIT_MIB = 1024;
const REWRITE = 'diff-rewrite';

/** What every figure here shares: the repository, main's rows as CSV and Parquet, and the column list. */
interface Setup {
  h: History;
  dir: string;
  mainCsv: string;
  mainParquet: string;
  columns: string[];
}

/**
 * main's rows written once from the generator table (CSV, for git: unchanged lines are then
 * byte-identical to the branch's CSV), and a Parquet copy read from that CSV with the same type
 * inference as the branch copies `branchWith` makes, so the DuckDB join compares like types.
 */
async function setup(bench: Bench, h: History): Promise<Setup> {
  const dir = await bench.dir('diff');
  const mainCsv = path.join(dir, 'main.csv');
  const mainParquet = path.join(dir, 'main.parquet');
  await bench.gen.writeCsv(h.table, mainCsv);
  await bench.gen.csvToParquet(mainCsv, mainParquet);
  const r = await bench.gen.conn.runAndReadAll(
    `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(mainParquet)}))`,
  );
  return { h, dir, mainCsv, mainParquet, columns: r.getRows().map((row) => String(row[0])) };
}

// ---------------------------------------------------------------- k changed rows

/**
 * Branch `diff-k<k>` (k capped at N/10 for tiny N), then in alternation: `diff --stat`, `diff
 * --format json` to /dev/null, the DuckDB join, and for k = 100 `git diff --stat` and `git diff` of
 * the two CSV versions. One DuckDB sample serves both lakegit figures.
 */
async function branchFigures(bench: Bench, s: Setup, k: number, want: (f: string) => boolean, emit: Emit): Promise<void> {
  const { rows, runs } = bench.opts;
  const changed = Math.min(k, Math.max(1, Math.floor(rows / 10)));
  const branch = `diff-k${k}`;
  const br = await branchWith(bench, s.h, branch, changed, await changesOnHead(bench, s.h, changed));
  const check = await statCheck(s.h.lake, branch, expectedStats(br.changes));
  const withGit = k === 100 && GIT_FIGURES.some(want);
  const branchCsv = path.join(s.dir, `${branch}.csv`);
  if (withGit) await bench.gen.writeCsv(br.table, branchCsv);
  await bench.gen.dropTable(br.table);

  const range = ['diff', 'main', branch];
  const sides: Record<string, Once> = {
    stat: () => lakegit(s.h.lake, [...range, '--stat']),
    json: () => lakegitToNull(s.h.lake, [...range, '--format', 'json']),
    duckdb: () => duckdb(s.dir, joinDiffSql(s.columns, s.mainParquet, br.parquet)),
  };
  const gitText: boolean[] = [];
  if (withGit) {
    sides.gitStat = async () => {
      const r = await gitDiff(s.dir, ['--stat', s.mainCsv, branchCsv], false);
      gitText.push(!/\bBin\b/.test(r.stdout));
      return r;
    };
    sides.gitJson = () => gitDiff(s.dir, [s.mainCsv, branchCsv], true);
  }
  const got = await interleave(runs, sides);
  await fsp.rm(branchCsv, { force: true });
  await fsp.rm(br.parquet, { force: true });

  const note = `A = main, B = ${branch} (${describe(br.changes)}); ${check.text}`;
  const duckGoal =
    rows >= TEN_M ? { text: '<= 0.1x (10x faster)', limit: 0.1 } : { text: '<= 0.5x (2x faster; 0.1x at 10M rows)', limit: 0.5 };
  // Issue 15: B is one commit on A, so --stat reads the counts B recorded and never loads DuckDB.
  const statGoal = rows >= TEN_M ? duckGoal : { text: '<= 0.3x (counts recorded in the commit; 0.1x at 10M rows)', limit: 0.3 };
  for (const [kind, side] of [
    ['stat', got.stat],
    ['json', got.json],
  ] as const) {
    const what = kind === 'stat' ? 'diff --stat' : 'diff --format json > /dev/null';
    if (want(`diff-${kind}-k${k}`)) {
      const goal = kind === 'stat' ? statGoal : duckGoal;
      emit(record(bench, `diff-${kind}-k${k}`, side, got.duckdb, DUCKDB_BASELINE, goal, check.ok, `lakegit ${what}; ${note}`));
    }
    if (!withGit || !want(`diff-${kind}-k${k}-vs-git`)) continue;
    const gitSide = kind === 'stat' ? got.gitStat : got.gitJson;
    const asText = gitText.every(Boolean);
    const goal =
      rows < TEN_M
        ? { text: '<= 0.02x at 10M rows (not applied below)', limit: null }
        : asText
          ? { text: '<= 0.02x (50x faster)', limit: 0.02 }
          : { text: '<= 0.02x (not applied: git took the files as binary)', limit: null };
    emit(
      record(
        bench,
        `diff-${kind}-k${k}-vs-git`,
        side,
        gitSide,
        `git diff --no-index ${kind === 'stat' ? '--stat ' : '> /dev/null '}of the two versions as csv`,
        goal,
        check.ok,
        `lakegit ${what}; ${note}; git diffed the files as text: ${asText ? 'yes' : 'NO (binary: the baseline did no diff)'}`,
      ),
    );
  }
}

// ---------------------------------------------------------------- every row changed

/**
 * Branch `diff-rewrite`: every row's `amount` + 1 (one UPDATE of a copy of main's table, one
 * `commit -a`), so no row can be skipped. `diff --format json` to /dev/null against the DuckDB
 * join of the two snapshots, and the largest peak RSS of those diffs (N changed rows).
 */
async function rewriteFigures(bench: Bench, s: Setup, want: (f: string) => boolean, emit: Emit): Promise<void> {
  const { rows, runs } = bench.opts;
  const parquet = await rewriteBranch(bench, s);
  const changed = await bench.gen.count(s.h.table);
  const check = await statCheck(s.h.lake, REWRITE, { added: 0, removed: 0, modified: changed });
  const sharing = await chunkSharing(s.h.lake, 'main', REWRITE);
  const got = await interleave(runs, {
    json: () => lakegitToNull(s.h.lake, ['diff', 'main', REWRITE, '--format', 'json']),
    duckdb: () => duckdb(s.dir, joinDiffSql(s.columns, s.mainParquet, parquet)),
  });
  await fsp.rm(parquet, { force: true });
  const note = `A = main, B = ${REWRITE} (amount + 1 in all ${changed} rows); ${sharing}; ${check.text}`;
  if (want('diff-rewrite')) {
    emit(
      record(
        bench,
        'diff-rewrite',
        got.json,
        got.duckdb,
        DUCKDB_BASELINE,
        { text: '<= 1.5x', limit: 1.5 },
        check.ok,
        `lakegit diff --format json > /dev/null; ${note}`,
      ),
    );
  }
  if (!want('diff-peak-memory')) return;
  const peak = got.json.peakMiB;
  emit({
    figure: 'diff-peak-memory',
    lakegit_s: null,
    baseline: `limit ${PEAK_LIMIT_MIB} MiB (daff: 2.9 GB for a 1M-row table)`,
    baseline_s: null,
    lakegit_bytes: peak === undefined ? undefined : Math.round(peak * MIB),
    baseline_bytes: PEAK_LIMIT_MIB * MIB,
    ratio: peak === undefined ? null : peak / PEAK_LIMIT_MIB,
    goal: `< ${PEAK_LIMIT_MIB} MiB`,
    met: peak === undefined ? null : check.ok && peak < PEAK_LIMIT_MIB,
    ...sampleFields(got.json, got.duckdb),
    rows,
    runs,
    note:
      `largest peak RSS of the ${runs} diff-rewrite runs: ${changed} changed rows streamed to /dev/null` +
      `${peak === undefined ? ' (no /usr/bin/time: not measured)' : ''}; baseline_peak_mib is the DuckDB join's; ${check.text}`,
  });
}

/** The all-rows branch off main (main is checked out again): a Parquet copy of its rows. */
async function rewriteBranch(bench: Bench, s: Setup): Promise<string> {
  const rows = await bench.gen.count(s.h.table);
  const amount = quoteIdent('amount');
  const { table, commits } = await branchOff(bench, s.h, REWRITE, [
    {
      changes: { updates: [], inserts: [], deletes: [] },
      extra: rows,
      edit: async (t) => {
        await bench.gen.conn.run(`UPDATE ${quoteIdent(t)} SET ${amount} = ${amount} + 1`);
      },
    },
  ]);
  await bench.gen.dropTable(table);
  return commits[0].parquet;
}

/** How many of B's chunks (base and change chunks) A holds too: the rewrite should leave none to skip. */
async function chunkSharing(lake: string, a: string, b: string): Promise<string> {
  type Chunk = { id: string; rows: number };
  const manifest = async (rev: string) =>
    JSON.parse((await git(lake, ['--git-dir', '.lakegit', 'show', `${rev}:tables/orders.json`])).stdout) as {
      chunks: Chunk[];
      deltas?: Chunk[];
    };
  const [ma, mb] = [await manifest(a), await manifest(b)];
  const inA = new Set([...ma.chunks, ...(ma.deltas ?? [])].map((c) => c.id));
  const deltas = mb.deltas ?? [];
  const shared = mb.chunks.filter((c) => inA.has(c.id)).length;
  return (
    `B has ${mb.chunks.length} base chunks (${shared} also in A) and ${deltas.length} change chunks` +
    ` (${deltas.reduce((n, c) => n + c.rows, 0)} rows)`
  );
}

// ---------------------------------------------------------------- baselines and checks

const DUCKDB_BASELINE = 'duckdb: full outer join of the two parquet snapshots on id, rows that differ written as JSON lines to /dev/null';

/**
 * The diff without lakegit: join both complete snapshots by key and keep every row that was added,
 * removed, or differs in any column (IS DISTINCT FROM: NULL to NULL is no change), with both sides'
 * values, written out as JSON lines as `diff --format json` writes its rows (to /dev/null, as
 * lakegit's output goes there). Not sorted: that would only slow the baseline.
 */
function joinDiffSql(columns: string[], a: string, b: string): string {
  const id = quoteIdent('id');
  const cols = columns.map(quoteIdent);
  const differs = cols
    .filter((c) => c !== id)
    .map((c) => `a.${c} IS DISTINCT FROM b.${c}`)
    .join(' OR ');
  const side = (t: string, prefix: string) => columns.map((c) => `${t}.${quoteIdent(c)} AS ${quoteIdent(`${prefix}${c}`)}`).join(', ');
  return `COPY (SELECT coalesce(a.${id}, b.${id}) AS ${id},
      CASE WHEN a.${id} IS NULL THEN 'added' WHEN b.${id} IS NULL THEN 'removed' ELSE 'modified' END AS op,
      ${side('a', 'before_')}, ${side('b', 'after_')}
    FROM read_parquet(${quoteLiteral(a)}) a FULL OUTER JOIN read_parquet(${quoteLiteral(b)}) b ON a.${id} = b.${id}
    WHERE a.${id} IS NULL OR b.${id} IS NULL OR ${differs}) TO '/dev/null' (FORMAT json)`;
}

/**
 * `git diff --no-index` of two files. It exits 1 when they differ (anything else here is a failure).
 * Files over core.bigFileThreshold (512 MiB; the 10M-row CSV is ~1 GB) are taken as binary and not
 * diffed at all, so the threshold is raised: the baseline must do the line diff.
 */
async function gitDiff(cwd: string, args: string[], discardStdout: boolean): Promise<ProcResult> {
  const r = await gitOut(
    cwd,
    ['-c', 'core.bigFileThreshold=16g', 'diff', '--no-index', ...args],
    discardStdout ? 'discard' : 'collect',
    true,
  );
  if (r.exitCode !== 1)
    throw new Error(`git diff --no-index ${args.join(' ')} exited ${r.exitCode} (1 expected: the files differ)\n${r.stderr}`);
  return r;
}

const lakegitToNull = (cwd: string, args: string[]) => lakegitOut(cwd, args, 'discard');

interface Stats {
  added: number;
  removed: number;
  modified: number;
}

const expectedStats = (c: ChangeSet): Stats => ({ added: c.inserts.length, removed: c.deletes.length, modified: c.updates.length });
const describe = (c: ChangeSet) =>
  `${c.updates.length + c.inserts.length + c.deletes.length} rows: ~${c.updates.length} +${c.inserts.length} -${c.deletes.length}`;

/**
 * One `diff --stat --format json` (cheap: it is what the stat figure times): `orders` must show
 * exactly the change set's counts and no other table may differ. A mismatch fails every figure of
 * that branch, since a fast wrong diff proves nothing.
 */
async function statCheck(lake: string, branch: string, want: Stats): Promise<{ ok: boolean; text: string }> {
  const r = await lakegit(lake, ['diff', 'main', branch, '--stat', '--format', 'json']);
  const tables = (JSON.parse(r.stdout) as { tables: { table: string; stats: Stats }[] }).tables;
  const got = tables.find((t) => t.table === 'orders')?.stats;
  const others = tables.filter((t) => t.table !== 'orders').map((t) => t.table);
  const show = (s: Stats) => `+${s.added} -${s.removed} ~${s.modified}`;
  const ok =
    got !== undefined && got.added === want.added && got.removed === want.removed && got.modified === want.modified && others.length === 0;
  return ok
    ? { ok, text: `--stat counts match the change set (${show(want)})` }
    : {
        ok,
        text: `--stat MISMATCH: lakegit says ${got ? show(got) : 'no orders'}${others.length ? ` and ${others.join(', ')} changed` : ''}, the change set is ${show(want)}`,
      };
}

// ---------------------------------------------------------------- helpers

type Once = (i: number) => Promise<ProcResult>;

/** Run every side once per round, in turn, for n rounds: load drift on a shared machine hits all alike. */
async function interleave<K extends string>(n: number, sides: Record<K, Once>): Promise<Record<K, Sample>> {
  const entries = Object.entries(sides) as [K, Once][];
  const runs = entries.map(() => new Runs());
  for (let i = 0; i < n; i++) {
    for (const [j, [, once]] of entries.entries()) runs[j].add(await once(i));
  }
  return Object.fromEntries(entries.map(([name], j) => [name, runs[j].sample])) as Record<K, Sample>;
}

/** A diff figure: its goal may be reported only (limit null), and a wrong answer never meets it. */
function record(
  bench: Bench,
  figure: string,
  lg: Sample,
  base: Sample,
  baseline: string,
  goal: { text: string; limit: number | null },
  correct: boolean,
  note: string,
): FigureRecord {
  const problems = correct ? [] : ["lakegit's counts disagree with the change set"];
  return timedRecord(bench, { figure, lg, base, baseline, goal: goal.text, limit: goal.limit ?? undefined, problems, note });
}
