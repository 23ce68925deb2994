import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Bench } from './context.js';
import { KeyPicker, type ChangeSet, type Pattern } from './generate.js';
import { bytesOf, bytesWritten, dirBytes, listing } from './fsstat.js';
import { duckdb, git, lakegit, type ProcResult } from './proc.js';
import { quoteIdent, quoteLiteral } from '../src/engine/quote.js';

export interface HistorySpec {
  pattern: Pattern;
  commits: number;
  changes: number;
  /**
   * Only the lakegit repository: no CSV-in-git mirror, no per-commit DuckDB scan, no Parquet copy of
   * HEAD. For figures that need the history's commits but not issue 3's baselines (at 10M rows the
   * mirror alone costs a 1 GB git commit per version).
   */
  lean?: boolean;
}

/**
 * `.lakegit/cache/` holds data lakegit can rebuild (a per-table index of the working file's lines):
 * it is replaced, not accumulated, so it is counted apart from the history.
 */
export const isCache = (p: string): boolean => p.split(path.sep)[0] === 'cache';
const isHistory = (p: string): boolean => !isCache(p);

export interface CommitSample {
  /** The `commit -a` process. */
  proc: ProcResult;
  /** Bytes written outside `.lakegit/cache/` (chunks, git objects, refs, the staging index)… */
  bytes: number;
  /** …and inside it. */
  cacheBytes: number;
  changes: ChangeSet;
  /** The floor measured right after: one DuckDB process reading the same working file (not in lean histories). */
  scan?: ProcResult;
}

/** "One DuckDB scan of the working file": read every column of it into a table, types inferred. */
export const scanSql = (file: string): string => `CREATE TABLE t AS SELECT * FROM read_csv(${quoteLiteral(file)})`;

/**
 * A lakegit repository holding `orders` (N rows) and a small `customers` table, loaded in one commit
 * and then changed by C commits of k rows each, by four authors; beside it the same history as CSV
 * files in a plain git repository. The generator table `table` holds the rows of the latest commit.
 */
export interface History extends HistorySpec {
  lake: string;
  gitcsv: string;
  table: string;
  picker: KeyPicker;
  /** One sample per `commit -a`, in order. */
  samples: CommitSample[];
  /** Size of `.lakegit` after the history (without cache/, counted in cacheBytes), and of the CSV history's `.git` after `git gc`. */
  lakegitBytes: number;
  cacheBytes: number;
  gitBytes: number;
  /** One plain Parquet copy of the latest version of `orders`. */
  parquetBytes: number;
  parquetFile: string;
  /** Branches made so far by `branchOff`, to give each its own values. */
  branches: number;
  /** Change sets drawn so far by `changesOnHead`, to give each its own seed. */
  draws: number;
}

const AUTHORS = [
  ['Ann Analyst', 'ann'],
  ['Bob Builder', 'bob'],
  ['Chen Li', 'chen'],
  ['Dara Okafor', 'dara'],
];

/** Identity and a date one hour per commit, so commit ids and `log` order are reproducible. */
export function authorEnv(j: number): Record<string, string> {
  const [name, user] = AUTHORS[j % AUTHORS.length];
  const date = new Date(Date.UTC(2026, 0, 1) + j * 3_600_000).toISOString();
  return {
    LAKEGIT_AUTHOR_NAME: name,
    LAKEGIT_AUTHOR_EMAIL: `${user}@example.com`,
    LAKEGIT_AUTHOR_DATE: date,
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: `${user}@example.com`,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: `${user}@example.com`,
    GIT_COMMITTER_DATE: date,
  };
}

export async function buildHistory(bench: Bench, name: string, baseCsv: string, spec: HistorySpec): Promise<History> {
  const root = await bench.dir(name);
  const lake = path.join(root, 'lake');
  const gitcsv = path.join(root, 'gitcsv');
  const table = `orders_${name.replaceAll('-', '_')}`;
  await bench.gen.copyTable('orders_base', table);
  for (const d of spec.lean ? [lake] : [lake, gitcsv]) {
    await fsp.mkdir(d);
    await fsp.copyFile(baseCsv, path.join(d, 'orders.csv'));
    await bench.gen.writeCustomers(path.join(d, 'customers.csv'));
  }
  await backdate(path.join(lake, 'orders.csv'), path.join(lake, 'customers.csv'));
  await lakegit(lake, ['init', '-q']);
  await lakegit(lake, ['add', 'orders.csv', '--key', 'id']);
  await lakegit(lake, ['add', 'customers.csv', '--key', 'customer_id']);
  await lakegit(lake, ['commit', '-m', 'load orders and customers'], authorEnv(0));
  if (!spec.lean) {
    await git(gitcsv, ['init', '-q', '-b', 'main']);
    await gitCommit(gitcsv, 0, 'load orders and customers');
  }

  const h: History = {
    ...spec,
    lake,
    gitcsv,
    table,
    picker: new KeyPicker(bench.opts.rows, spec.pattern, bench.opts.seed),
    samples: [],
    lakegitBytes: 0,
    cacheBytes: 0,
    gitBytes: 0,
    parquetBytes: 0,
    parquetFile: path.join(root, 'orders-head.parquet'),
    branches: 0,
    draws: 0,
  };
  for (let j = 1; j <= spec.commits; j++) {
    const changes = await advance(bench, h, j);
    const before = await listing(path.join(lake, '.lakegit'));
    const r = await lakegit(lake, ['commit', '-a', '-m', `change ${j}: ${spec.changes} rows`], authorEnv(j));
    const after = await listing(path.join(lake, '.lakegit'));
    const [bytes, cacheBytes] = [bytesWritten(before, after, isHistory), bytesWritten(before, after, isCache)];
    const scan = spec.lean ? undefined : await duckdb(lake, scanSql('orders.csv'));
    h.samples.push({ proc: r, bytes, cacheBytes, changes, scan });
    if (!spec.lean) {
      await fsp.copyFile(path.join(lake, 'orders.csv'), path.join(gitcsv, 'orders.csv'));
      await gitCommit(gitcsv, j, `change ${j}`);
    }
    progress(`${name}: commit ${j}/${spec.commits} ${r.seconds.toFixed(2)} s, ${bytes} bytes`);
  }
  const final = await listing(path.join(lake, '.lakegit'));
  [h.lakegitBytes, h.cacheBytes] = [bytesOf(final, isHistory), bytesOf(final, isCache)];
  if (spec.lean) return h;
  await git(gitcsv, ['gc', '-q']);
  h.gitBytes = await dirBytes(path.join(gitcsv, '.git'));
  h.parquetBytes = await bench.gen.csvToParquet(path.join(lake, 'orders.csv'), h.parquetFile);
  return h;
}

/** Apply the history's next change set (version `v`) to its table and rewrite the working CSV. */
export async function advance(bench: Bench, h: History, v: number, k = h.changes): Promise<ChangeSet> {
  const changes = h.picker.next(k);
  await bench.gen.apply(h.table, v, changes);
  await bench.gen.writeCsv(h.table, path.join(h.lake, 'orders.csv'));
  return changes;
}

/** One commit of a branch made by `branchOff`: a change set, then maybe an edit of the branch's rows of its own. */
export interface BranchStep {
  changes: ChangeSet;
  /** Rows `edit` changes besides `changes` (for the commit message). */
  extra?: number;
  /** Runs on the branch's generator table after `changes`, before the working file is written. */
  edit?: (table: string) => Promise<void>;
}

/** A commit `branchOff` made: a Parquet copy of its rows (for baselines) and its change set. */
export interface BranchCommit {
  parquet: string;
  changes: ChangeSet;
}

/**
 * A branch off the history's checked-out head with one commit per step; the head is checked out
 * again and the history's own table is left as it was. Returns each commit's Parquet copy and the
 * generator table holding the branch's rows (the caller drops it: at 10M rows it is ~1 GB).
 */
export async function branchOff(
  bench: Bench,
  h: History,
  branch: string,
  steps: BranchStep[],
): Promise<{ table: string; commits: BranchCommit[] }> {
  const head = (await git(h.lake, ['--git-dir', '.lakegit', 'symbolic-ref', '--short', 'HEAD'])).stdout.trim();
  const table = `${h.table}_${branch.replace(/\W/g, '_')}`;
  await bench.gen.copyTable(h.table, table);
  await lakegit(h.lake, ['checkout', '-q', '-b', branch]);
  const commits: BranchCommit[] = [];
  for (const [j, step] of steps.entries()) {
    const v = h.commits + 1000 + h.branches++;
    await bench.gen.apply(table, v, step.changes);
    await step.edit?.(table);
    await bench.gen.writeCsv(table, path.join(h.lake, 'orders.csv'));
    const k = keysOf(step.changes).size + (step.extra ?? 0);
    await lakegit(h.lake, ['commit', '-a', '-m', `${branch}: ${k} rows`], authorEnv(v));
    const parquet = path.join(path.dirname(h.lake), `${branch}-${j + 1}.parquet`);
    await bench.gen.csvToParquet(path.join(h.lake, 'orders.csv'), parquet);
    commits.push({ parquet, changes: step.changes });
  }
  await lakegit(h.lake, ['checkout', '-q', head]);
  return { table, commits };
}

/** `branchOff` with one commit of k changed rows (by default the picker's next k). */
export async function branchWith(
  bench: Bench,
  h: History,
  branch: string,
  k: number,
  changes: ChangeSet = h.picker.next(k),
): Promise<{ parquet: string; table: string; changes: ChangeSet }> {
  const { table, commits } = await branchOff(bench, h, branch, [{ changes }]);
  return { parquet: commits[0].parquet, table, changes };
}

export const keysOf = (c: ChangeSet): Set<number> => new Set([...c.updates, ...c.inserts, ...c.deletes]);

/**
 * k changes in the picker's 80/15/5 mix that are real on the history's head and avoid `avoid`, for
 * a branch off the head. The history's own picker follows one line of history (its clustered
 * window moves with every insert), so each branch draws from a fresh picker of its own seed, and
 * its offers are checked against the head's rows (the history's generator table): spare draws
 * replace keys the head lacks (deleted) or already has (for inserts).
 */
export async function changesOnHead(bench: Bench, h: History, k: number, avoid: Set<number> = new Set()): Promise<ChangeSet> {
  const picker = new KeyPicker(bench.opts.rows, h.pattern, bench.opts.seed * 7919 + ++h.draws);
  const want = picker.next(k);
  const pools = { updates: [...want.updates], inserts: [...want.inserts], deletes: [...want.deletes] };
  for (let round = 0; round < 4; round++) {
    const onHead = await presentOnHead(bench, h, [...pools.updates, ...pools.deletes, ...pools.inserts]);
    const used = new Set(avoid);
    const take = (ids: number[], n: number, present: boolean) => {
      const got: number[] = [];
      for (const id of ids) {
        if (got.length === n) break;
        if (used.has(id) || onHead.has(id) !== present) continue;
        used.add(id);
        got.push(id);
      }
      return got;
    };
    const out = {
      updates: take(pools.updates, want.updates.length, true),
      deletes: take(pools.deletes, want.deletes.length, true),
      inserts: take(pools.inserts, want.inserts.length, false),
    };
    if (out.updates.length + out.deletes.length + out.inserts.length === k) return out;
    const spare = picker.next(Math.max(k, 1000));
    for (const kind of ['updates', 'inserts', 'deletes'] as const) pools[kind].push(...spare[kind]);
  }
  throw new Error(`bench: the key picker found no ${k} changes on the head that avoid ${avoid.size} keys`);
}

async function presentOnHead(bench: Bench, h: History, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const r = await bench.gen.conn.runAndReadAll(
    `SELECT id FROM ${quoteIdent(h.table)} WHERE id IN (SELECT unnest([${ids.join(',')}]::BIGINT[]))`,
  );
  return new Set(r.getRows().map((row) => Number(row[0])));
}

async function gitCommit(dir: string, j: number, message: string): Promise<ProcResult> {
  await git(dir, ['add', '-A']);
  return git(dir, ['commit', '-q', '-m', message], authorEnv(j));
}

async function backdate(...files: string[]): Promise<void> {
  const past = new Date(Date.now() - 3000);
  for (const f of files) await fsp.utimes(f, past, past);
}

/** The manifest of a table as staged in a lakegit repository, read with plain git. */
export async function stagedManifest(
  lake: string,
  tableName: string,
): Promise<{ rows: number; chunks: { bytes: number; rows: number }[]; deltas: { bytes: number; rows: number }[] }> {
  const index = JSON.parse(await fsp.readFile(path.join(lake, '.lakegit', 'lakegit-index.json'), 'utf8')) as {
    tables: Record<string, { manifest: string }>;
  };
  const r = await git(lake, ['--git-dir', '.lakegit', 'cat-file', 'blob', index.tables[tableName].manifest]);
  return JSON.parse(r.stdout);
}

export const progress = (line: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
};
