import path from 'node:path';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { ratioOf, timedRecord, type Bench, type FigureRecord, type FigureModule } from '../context.js';
import type { ChangeSet } from '../generate.js';
import { authorEnv, branchOff, changesOnHead, keysOf, type BranchCommit, type BranchStep, type History } from '../history.js';
import { duckdb, git, lakegit, paired, type ProcResult } from '../proc.js';
import { settle } from '../worktree.js';

/** Rows each merged branch changes, rows both change, and rows the revert undoes (issue 5's numbers). */
const K = 1000;
const OVERLAP = 10;
const REVERT_K = 100;
const GOAL = 0.2;
const OURS = 'merge-ours';
const THEIRS = 'merge-theirs';
const REVERT_BASE = 'merge-revert-base';

/**
 * Issue 5: `merge` of two 1,000-row branches (10 rows changed on both, 5 of them in the same cell)
 * and `revert` of a 100-row commit, each against DuckDB reading the two full tables involved once.
 * Goal <= 0.2x: a three-way merge should read only the chunks that changed. Runs on throwaway
 * branches of the shared lean base; `main` is checked out again at the end and never moves.
 */
export const merge: FigureModule = {
  name: 'merge',
  figures: () => ['merge-1000', ...REVERTS.map((r) => r.figure)],
  async run(bench, want, emit) {
    const reverts = REVERTS.filter((r) => want(r.figure));
    if (!want('merge-1000') && reverts.length === 0) return;
    const h = await bench.history(bench.opts.patterns[0], 0, bench.opts.changes, true);
    const dir = await bench.dir('merge');
    // All branches come off main first: each run's checkout then starts from a branch, not from main.
    const pair = want('merge-1000') ? await mergeBranches(bench, h) : undefined;
    const revert = reverts.length ? await revertBranch(bench, h, dir) : undefined;
    const made: string[] = [];
    try {
      if (pair) emit(await mergeFigure(bench, h, pair, made));
      for (const r of reverts) emit(await revertFigure(bench, h, revert!, r, made));
    } finally {
      await lakegit(h.lake, ['checkout', '-q', 'main']);
      for (const b of made) await lakegit(h.lake, ['branch', '-q', '-D', b]);
    }
  },
};

interface Pair {
  ours: BranchCommit;
  theirs: BranchCommit;
  conflicting: number[];
  clean: number[];
}

/**
 * `merge-ours` and `merge-theirs` off main, K changed rows each, disjoint except for OVERLAP of
 * ours's updated rows: theirs changes `amount` in half of them (ours's update changed it too, so
 * that is one conflicting cell per row) and `discount_pct` in the other half (a column
 * `Generator.apply` never touches, so those rows merge cleanly cell by cell).
 */
async function mergeBranches(bench: Bench, h: History): Promise<Pair> {
  const ours = (await makeBranch(bench, h, OURS, [{ changes: await changesOnHead(bench, h, K) }]))[0];
  const overlap = ours.changes.updates.slice(0, OVERLAP);
  const [conflicting, clean] = [overlap.slice(0, OVERLAP / 2), overlap.slice(OVERLAP / 2)];
  const drawn = await changesOnHead(bench, h, K, keysOf(ours.changes));
  // The overlapping rows take the place of OVERLAP drawn updates, so theirs too changes K rows.
  const changes = { ...drawn, updates: drawn.updates.slice(0, -OVERLAP) };
  const [theirs] = await makeBranch(bench, h, THEIRS, [
    {
      changes,
      extra: OVERLAP,
      edit: async (table) => {
        const t = quoteIdent(table);
        // Above any generated amount (< 100,000), so never equal to ours's value; discount_pct is < 40.
        await bench.gen.conn.run(`UPDATE ${t} SET amount = amount + 100000 WHERE id IN (${conflicting.join(',')})`);
        await bench.gen.conn.run(`UPDATE ${t} SET discount_pct = coalesce(discount_pct, 0) + 100 WHERE id IN (${clean.join(',')})`);
      },
    },
  ]);
  return { ours, theirs, conflicting, clean };
}

/**
 * `merge-revert-base`: main, then a commit X of REVERT_K rows, then a commit Y of REVERT_K other
 * rows; and a Parquet copy of each of main, X and Y.
 */
interface RevertBranch {
  main: string;
  x: BranchCommit;
  y: BranchCommit;
}

async function revertBranch(bench: Bench, h: History, dir: string): Promise<RevertBranch> {
  const main = path.join(dir, 'main.parquet');
  await bench.gen.csvToParquet(path.join(h.lake, 'orders.csv'), main); // main is checked out
  const xChanges = await changesOnHead(bench, h, REVERT_K);
  const yChanges = await changesOnHead(bench, h, REVERT_K, keysOf(xChanges));
  const [x, y] = await makeBranch(bench, h, REVERT_BASE, [{ changes: xChanges }, { changes: yChanges }]);
  return { main, x, y };
}

/** `branchOff` whose generator table is dropped at once: these figures read the Parquet copies. */
async function makeBranch(bench: Bench, h: History, branch: string, steps: BranchStep[]): Promise<BranchCommit[]> {
  const { table, commits } = await branchOff(bench, h, branch, steps);
  await bench.gen.dropTable(table);
  return commits;
}

/** The baseline of both figures: one DuckDB process reading two full Parquet copies into tables. */
const readBoth = (cwd: string, a: string, b: string) =>
  duckdb(
    cwd,
    `CREATE TABLE a AS SELECT * FROM read_parquet(${quoteLiteral(a)})`,
    `CREATE TABLE b AS SELECT * FROM read_parquet(${quoteLiteral(b)})`,
  );

interface MergeJson {
  status: string;
  commit?: string;
  settled: number;
  conflicts: { column: string | null }[];
  tables: { table: string; counts?: { added: number; removed: number; modified: number } }[];
}

const parents = async (lake: string): Promise<number> =>
  (await git(lake, ['--git-dir', '.lakegit', 'rev-list', '--parents', '-n', '1', 'HEAD'])).stdout.trim().split(/\s+/).length - 1;

/**
 * The rows a change set brings in, as a merge result counts them; `undo` for a revert, which
 * removes what the commit inserted and adds back what it deleted.
 */
const expectCounts = (c: ChangeSet, extra: number, undo: boolean) => ({
  added: undo ? c.deletes.length : c.inserts.length,
  removed: undo ? c.inserts.length : c.deletes.length,
  modified: c.updates.length + extra,
});

/** A problem if the result's `orders` counts differ from the expected ones (none when a side was taken whole). */
function checkCounts(r: MergeJson, want: { added: number; removed: number; modified: number }, run: number): string[] {
  const got = r.tables.find((t) => t.table === 'orders')?.counts;
  if (!got) return [];
  const same = got.added === want.added && got.removed === want.removed && got.modified === want.modified;
  return same
    ? []
    : [`run ${run + 1}: orders +${got.added} ~${got.modified} -${got.removed}, expected +${want.added} ~${want.modified} -${want.removed}`];
}

/** Row counts per table as the result gives them (none when a side was taken whole). */
const countsText = (r: MergeJson) =>
  r.tables
    .map((t) => `${t.table} ${t.counts ? `+${t.counts.added} ~${t.counts.modified} -${t.counts.removed}` : '(one side taken whole)'}`)
    .join(', ');

/**
 * Each run: a throwaway branch at `merge-ours` (checkout not timed), then the timed
 * `merge merge-theirs --strategy theirs` once `settle` has made the working file's stat trusted, so
 * the 5 conflicting cells settle to theirs and the merge commits. Run 0 also does two untimed
 * `--dry-run`s, right after the checkout and after `settle`, to count the conflicts and to time
 * the merge without its writes, and checks the merged cells afterwards.
 */
async function mergeFigure(bench: Bench, h: History, pair: Pair, made: string[]): Promise<FigureRecord> {
  const problems: string[] = [];
  const seen: { dry?: DryRun; racy?: DryRun } = {};
  let counts = '';
  const [lg, base] = await paired(
    bench.opts.runs,
    async (i) => {
      const branch = `merge-run-${i}`;
      await lakegit(h.lake, ['checkout', '-q', '-b', branch, OURS]);
      made.push(branch);
      if (i === 0) seen.racy = await dryRun(h);
      problems.push(...(await settle(h.lake)));
      if (i === 0) seen.dry = await dryRun(h);
      const r = await lakegit(
        h.lake,
        ['merge', THEIRS, '--strategy', 'theirs', '--json', '-m', `merge ${THEIRS} (run ${i})`],
        authorEnv(2000 + i),
      );
      const out = JSON.parse(r.stdout) as MergeJson;
      counts = countsText(out);
      problems.push(...checkCounts(out, expectCounts(pair.theirs.changes, OVERLAP, false), i));
      if (out.status !== 'merged' || !out.commit) problems.push(`run ${i + 1}: status ${out.status}, no commit`);
      if (out.settled !== OVERLAP / 2) problems.push(`run ${i + 1}: ${out.settled} conflicts settled, not ${OVERLAP / 2}`);
      const n = await parents(h.lake);
      if (n !== 2) problems.push(`run ${i + 1}: HEAD has ${n} parent(s)`);
      if (i === 0) problems.push(...(await checkCells(bench, h, pair)));
      return r;
    },
    () => readBoth(h.lake, pair.ours.parquet, pair.theirs.parquet),
  );
  const { dry, racy } = seen;
  if (dry && dry.conflicts !== OVERLAP / 2) problems.push(`dry run saw ${dry.conflicts} conflicts, not ${OVERLAP / 2}`);
  const x = (t: number) => `${t.toFixed(2)} s = ${ratioOf(t, base.median).toFixed(2)}x`;
  const dryText =
    dry && racy
      ? `; an untimed --dry-run (no commit, no working file written) saw ${dry.conflicts} conflicts (${dry.columns})` +
        ` in ${x(dry.seconds)}, and right after the checkout (racy stat: the working file re-read) ${x(racy.seconds)}`
      : '';
  return timedRecord(bench, {
    figure: 'merge-1000',
    lg,
    base,
    baseline: `duckdb: read both heads' full tables (two parquet copies) into tables`,
    goal: `<= ${GOAL}x`,
    limit: GOAL,
    problems,
    pattern: h.pattern,
    note:
      `merge ${THEIRS} --strategy theirs into ${OURS}: ${K} rows each, ${OVERLAP} in both, ${OVERLAP / 2} of them one conflicting cell` +
      ` (settled to theirs), ${OVERLAP / 2} different cells (merged clean); merge commit with 2 parents; result ${counts}; timed` +
      ` after a status had recorded a trusted stat; includes rewriting the working orders.csv${dryText}`,
  });
}

interface DryRun {
  seconds: number;
  conflicts: number;
  columns: string;
}

/** `merge --dry-run` (exit 1: it found conflicts): how many, in which columns, and how long the merge alone takes. */
async function dryRun(h: History): Promise<DryRun> {
  const r: ProcResult = await lakegit(h.lake, ['merge', THEIRS, '--dry-run', '--json'], {}, true);
  if (r.exitCode > 1) throw new Error(`lakegit merge ${THEIRS} --dry-run exited ${r.exitCode}\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as MergeJson;
  const columns = [...new Set(out.conflicts.map((c) => c.column ?? '(row)'))].join(', ');
  return { seconds: r.seconds, conflicts: out.conflicts.length, columns };
}

/**
 * The overlapping rows of the merge commit, cell by cell: ours's quantity, amount and status,
 * theirs's amount where both changed it (--strategy theirs), theirs's discount_pct. Both sides
 * are folded to one string by DuckDB from the same column types, so they compare as text.
 */
async function checkCells(bench: Bench, h: History, pair: Pair): Promise<string[]> {
  const ids = [...pair.conflicting, ...pair.clean];
  const fold = (from: string) =>
    `SELECT string_agg(concat_ws('|', id, quantity, amount, status, discount_pct), ';' ORDER BY id) AS s FROM ${from} WHERE id IN (${ids.join(',')})`;
  const got = JSON.parse((await lakegit(h.lake, ['sql', '--format', 'json', fold('orders@HEAD')])).stdout) as { s: string }[];
  const [o, t] = [quoteLiteral(pair.ours.parquet), quoteLiteral(pair.theirs.parquet)];
  const expected = `(SELECT o.id, o.quantity, CASE WHEN o.id IN (${pair.conflicting.join(',')}) THEN t.amount ELSE o.amount END AS amount,
      o.status, t.discount_pct FROM read_parquet(${o}) o JOIN read_parquet(${t}) t USING (id))`;
  const want = (await bench.gen.conn.runAndReadAll(fold(expected))).getRows()[0][0];
  return got[0]?.s === want
    ? []
    : [`merged cells of the ${ids.length} overlapping rows differ: got ${got[0]?.s}, expected ${String(want)}`];
}

/**
 * The two reverts, both on a throwaway branch at `merge-revert-base` (main, X, Y):
 * `revert HEAD~1` undoes X under Y, a real three-way merge (ours Y, base X, theirs main);
 * `revert HEAD` undoes Y, where ours is the base and the result is simply Y's parent, so it shows
 * the floor: little more than writing the working file.
 */
interface RevertCase {
  figure: string;
  rev: string;
  what: string;
  /** The commit undone, and the Parquet copy of its parent (the baseline reads both). */
  undone: (b: RevertBranch) => BranchCommit;
  parent: (b: RevertBranch) => string;
}

const REVERTS: RevertCase[] = [
  {
    figure: 'revert-100',
    rev: 'HEAD~1',
    undone: (b) => b.x,
    parent: (b) => b.main,
    what: `revert HEAD~1 (${REVERT_K} rows of main) under a later commit of ${REVERT_K} other rows: a three-way merge`,
  },
  {
    figure: 'revert-100-head',
    rev: 'HEAD',
    undone: (b) => b.y,
    parent: (b) => b.x.parquet,
    what: `revert HEAD (${REVERT_K} rows): ours is the base, so the result is HEAD's parent without a row merge`,
  },
];

/** Each run: a throwaway branch at `merge-revert-base` and `settle` (not timed), then the timed revert. */
async function revertFigure(bench: Bench, h: History, b: RevertBranch, c: RevertCase, made: string[]): Promise<FigureRecord> {
  const problems: string[] = [];
  let counts = '';
  const [lg, base] = await paired(
    bench.opts.runs,
    async (i) => {
      const branch = `merge-${c.figure}-run-${i}`;
      await lakegit(h.lake, ['checkout', '-q', '-b', branch, REVERT_BASE]);
      made.push(branch);
      problems.push(...(await settle(h.lake)));
      const r = await lakegit(h.lake, ['revert', c.rev, '--json'], authorEnv(3000 + i));
      const out = JSON.parse(r.stdout) as MergeJson;
      counts = countsText(out);
      problems.push(...checkCounts(out, expectCounts(c.undone(b).changes, 0, true), i));
      if (out.status !== 'merged' || !out.commit || out.conflicts.length)
        problems.push(`run ${i + 1}: status ${out.status}, ${out.conflicts.length} conflicts`);
      return r;
    },
    () => readBoth(h.lake, c.undone(b).parquet, c.parent(b)),
  );
  return timedRecord(bench, {
    figure: c.figure,
    lg,
    base,
    baseline: `duckdb: read the commit's and its parent's full tables (two parquet copies) into tables`,
    goal: `<= ${GOAL}x`,
    limit: GOAL,
    problems,
    pattern: h.pattern,
    note: `${c.what}; result ${counts}; timed after a status had recorded a trusted stat; includes rewriting the working orders.csv`,
  });
}
