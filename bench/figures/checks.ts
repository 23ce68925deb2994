import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { timedRecord, type Bench, type Emit, type FigureModule } from '../context.js';
import { KeyPicker } from '../generate.js';
import { authorEnv, progress } from '../history.js';
import { lakegit, type ProcResult, paired } from '../proc.js';

const GOAL = 0.1;
const CHANGES = 1000;
const BRANCH = 'checks-load';

/**
 * main's lakegit.yaml: five row-local checks, one unique and one foreign key, all incremental once
 * main is known to pass them (unique over the groups of changed values, the foreign key over the
 * changed rows while `regions` is unchanged). Every check passes on
 * the generated data: quantity is 1..20, amount >= 0, discount_pct 0..39 or NULL, and
 * (customer_id, created_at) is unique because two ids of one customer differ by a multiple of
 * 50,000, which moves created_at by far more than its 3,600 s jitter.
 */
const CONFIG = `checks:
  orders:
    not_null: [created_at]
    accepted_values: { status: [new, paid, shipped, cancelled] }
    range: { quantity: { min: 1, max: 20 }, amount: { min: 0 } }
    sql:
      - name: discount_is_a_percentage
        query: select * from orders where discount_pct < 0 or discount_pct > 100
    unique: [[customer_id, created_at]]
    foreign_keys: { region: regions.region }
`;
const ROW_LOCAL = 5;
const SET_WIDE = 2;
const REGIONS = ['north', 'south', 'east', 'west', 'central'];

/** The same checks without the set-wide ones, whose incremental form still reads a column of every row. */
export const ROW_LOCAL_CONFIG = CONFIG.replace(/^ {4}(unique|foreign_keys):.*\n/gm, '');

/** Targets: main (all seven checks) and checks-rowlocal (main with the five row-local ones only). */
const TARGETS = [
  { figure: 'checks-incremental', into: 'main', checks: ROW_LOCAL + SET_WIDE },
  { figure: 'checks-incremental-rowlocal', into: 'checks-rowlocal', checks: ROW_LOCAL },
] as const;
type Target = (typeof TARGETS)[number];

/**
 * Issue 7: `check checks-load --into <target>` (the target's pre-merge checks over the merge
 * result) for a branch that changes 1,000 rows of the N-row table, run incrementally (the target
 * carries a passing note, so each check reads only what the changed rows can break) against the same
 * command with `--full`. Goal: incremental <= 0.1x of full, with the same verdict per check. Into
 * checks-rowlocal only the row-local checks run, which shows what the set-wide ones still cost.
 */
export const checks: FigureModule = {
  name: 'checks',
  figures: () => TARGETS.map((t) => t.figure),
  async run(bench, want, emit) {
    const wanted = TARGETS.filter((t) => want(t.figure));
    if (!wanted.length) return;
    const lake = await checksRepo(bench);
    for (const t of wanted) await incrementalFigure(bench, lake, t, emit);
  },
};

/**
 * This module's own lean repository: main must commit a lakegit.yaml and a `regions` table for the
 * foreign key, which the shared history (used by other modules) must not get. Three commits:
 * main loads `orders` (the base CSV) and `regions` with all seven checks; checks-rowlocal keeps
 * only the row-local checks; checks-load, on top of it, changes 1,000 rows of orders (the
 * generator's mix of updates, inserts and deletes) and restores main's lakegit.yaml. Both targets
 * are ancestors of checks-load, so both checks are fast-forwards over the same result tree, and
 * the table is written and committed once. The result's own lakegit.yaml does not matter: a
 * merge is checked with the target's.
 */
async function checksRepo(bench: Bench): Promise<string> {
  const csv = await bench.baseCsv();
  const lake = path.join(await bench.dir('checks'), 'lake');
  await fsp.mkdir(lake);
  await fsp.copyFile(csv, path.join(lake, 'orders.csv'));
  await fsp.writeFile(path.join(lake, 'regions.csv'), `region,position\n${REGIONS.map((r, i) => `${r},${i + 1}`).join('\n')}\n`);
  await fsp.writeFile(path.join(lake, 'lakegit.yaml'), CONFIG);
  await backdate(lake, 'orders.csv', 'regions.csv', 'lakegit.yaml');
  await lakegit(lake, ['init', '-q']);
  await lakegit(lake, ['add', 'orders.csv', '--key', 'id']);
  await lakegit(lake, ['add', 'regions.csv', '--key', 'region']);
  await lakegit(lake, ['add', 'lakegit.yaml']);
  // The pre-commit checks run here over every row and, passing, note main's tree as checked.
  const load = await lakegit(lake, ['commit', '-m', 'load orders and regions, with checks'], authorEnv(0));
  progress(`checks: main loaded and checked in ${load.seconds.toFixed(1)} s`);

  await lakegit(lake, ['checkout', '-q', '-b', 'checks-rowlocal']);
  await writeConfig(lake, ROW_LOCAL_CONFIG);
  await lakegit(lake, ['commit', '-a', '-m', 'row-local checks only'], authorEnv(1));

  const table = 'orders_checks_load';
  await bench.gen.copyTable('orders_base', table);
  await bench.gen.apply(table, 2, new KeyPicker(bench.opts.rows, bench.opts.patterns[0], bench.opts.seed).next(CHANGES));
  await lakegit(lake, ['checkout', '-q', '-b', BRANCH]);
  await bench.gen.writeCsv(table, path.join(lake, 'orders.csv'));
  await writeConfig(lake, CONFIG);
  const commit = await lakegit(lake, ['commit', '-a', '-m', `${BRANCH}: ${CHANGES} rows`], authorEnv(2));
  progress(`checks: ${BRANCH} committed in ${commit.seconds.toFixed(1)} s`);
  await bench.gen.dropTable(table);
  // Left on checks-load: `check --into` reads commits only, and a checkout would rewrite the table.
  return lake;
}

async function writeConfig(lake: string, text: string): Promise<void> {
  await fsp.writeFile(path.join(lake, 'lakegit.yaml'), text);
  await backdate(lake, 'lakegit.yaml');
}

async function backdate(dir: string, ...files: string[]): Promise<void> {
  const past = new Date(Date.now() - 3000);
  for (const f of files) await fsp.utimes(path.join(dir, f), past, past);
}

interface Verdict {
  check: string;
  passed: boolean;
  violations: number;
  mode: string;
}
interface Report {
  passed: boolean;
  checks: Verdict[];
}

/** Run the check as CI would; exit 1 (a failing check) is a verdict to compare, not an error. */
const checkInto = (lake: string, into: string, full: boolean): Promise<ProcResult> =>
  lakegit(lake, ['check', BRANCH, '--into', into, '--format', 'json', ...(full ? ['--full'] : [])], {}, true);

function parseReport(r: ProcResult): Report {
  if (r.exitCode > 1) throw new Error(`lakegit check exited ${r.exitCode}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

async function incrementalFigure(bench: Bench, lake: string, t: Target, emit: Emit): Promise<void> {
  const reports: [Report[], Report[]] = [[], []];
  const once = (full: boolean) => async () => {
    const r = await checkInto(lake, t.into, full);
    reports[full ? 1 : 0].push(parseReport(r));
    return r;
  };
  const [inc, full] = await paired(bench.opts.runs, once(false), once(true));
  const problems = verdictProblems(t, ...reports);
  emit(
    timedRecord(bench, {
      figure: t.figure,
      lg: inc,
      base: full,
      baseline: `lakegit check ${BRANCH} --into ${t.into} --full (every row)`,
      goal: `<= ${GOAL}x, same verdict`,
      limit: GOAL,
      problems,
      note:
        `${CHANGES} changed rows, fast-forward into ${t.into}; modes ${modes(reports[0][0])} vs ${modes(reports[1][0])}; ` +
        `verdict ${reports[0][0].passed ? 'pass' : 'FAIL'}${problems.length ? '' : ': the same in every run'}`,
    }),
  );
}

/** Per-check mode counts, e.g. "5 incremental + 2 full (unique(customer_id,created_at), foreign_keys(region))". */
function modes(r: Report): string {
  const inc = r.checks.filter((c) => c.mode === 'incremental');
  const full = r.checks.filter((c) => c.mode !== 'incremental');
  return `${inc.length} incremental + ${full.length} full${full.length && inc.length ? ` (${full.map((c) => c.check).join(', ')})` : ''}`;
}

/**
 * What makes the comparison void: checks or verdicts that differ between any two runs, a failing
 * verdict (every check should pass), or modes other than expected (every check incremental
 * without --full, every check full with --full).
 */
function verdictProblems(t: Target, incremental: Report[], full: Report[]): string[] {
  const out: string[] = [];
  const key = (r: Report) => JSON.stringify(r.checks.map((c) => [c.check, c.passed, c.violations]));
  const keys = new Set([...incremental, ...full].map(key));
  if (keys.size > 1) out.push(`verdicts differ: ${[...keys].join(' vs ')}`);
  if ([...incremental, ...full].some((r) => !r.passed)) out.push('a check failed');
  const count = (r: Report, mode: string) => r.checks.filter((c) => c.mode === mode).length;
  if (incremental.some((r) => count(r, 'incremental') !== t.checks)) {
    out.push(`expected ${t.checks} incremental checks, got ${incremental.map(modes).join(' / ')}`);
  }
  if (full.some((r) => count(r, 'full') !== t.checks)) out.push('--full did not run every check in full');
  return out;
}
