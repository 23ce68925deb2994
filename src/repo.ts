import { RepoContext } from './ops/context.js';
import { add, remove, rename, type AddOptions, type AddResult } from './ops/stage.js';
import { commit, type CommitOptions, type CommitResult } from './ops/commit.js';
import { status, type StatusResult } from './ops/status.js';
import { checkout, type CheckoutOptions, type CheckoutResult } from './ops/checkout.js';
import { log, type LogEntry, type LogOptions } from './ops/history.js';
import { show, type ShowResult } from './ops/show.js';
import { blame, type BlameOptions, type BlameResult } from './ops/blame.js';
import { rowHistory, type RowHistoryEntry, type RowHistoryOptions } from './ops/row-history.js';
import * as refs from './ops/refs.js';
import { fsck, gc, type FsckResult, type GcResult } from './ops/maintenance.js';
import { chunkFiles, exportTable } from './ops/read.js';
import { sqlQuery, type SqlResult } from './ops/sql/query.js';
import { init } from './ops/init.js';
import { readConfig, setConfig } from './ops/config.js';
import { Engine } from './engine/db.js';
import { abortMerge, continueMerge, merge, type MergeOptions } from './ops/merge.js';
import type { MergeResult } from './ops/merge-run.js';
import type { Conflict } from './ops/merge-tree.js';
import { listConflicts, resolve, type ResolveOptions, type ResolveResult } from './ops/merge-resolve.js';
import { cherryPick, revert, type PickOptions } from './ops/revert.js';
import { diff, type DiffOptions, type DiffSession } from './ops/diff/index.js';
import { check, type CheckOptions, type CheckReport } from './ops/checks/index.js';
import { protectedBranches, setProtected } from './ops/protect.js';

/**
 * The programmatic API; the CLI is one of its users. Each method checks its arguments and calls
 * one operation in `src/ops/`. Writers take the repository lock; readers do not.
 *
 * @example
 * const repo = await Repo.init('lake');
 * await repo.add({ paths: ['orders.csv'], cwd: repo.root, key: ['id'] });
 * await repo.commit({ message: 'load orders' });
 */
export class Repo {
  private constructor(readonly ctx: RepoContext) {}

  get root(): string { return this.ctx.root; }

  static async open(dir: string): Promise<Repo> {
    return new Repo(await RepoContext.discover(dir));
  }

  static async init(dir: string, branch?: string): Promise<Repo & { created: boolean }> {
    const { root, created } = await init(dir, branch);
    return Object.assign(new Repo(new RepoContext(root)), { created });
  }

  add(opts: AddOptions): Promise<AddResult> { return add(this.ctx, opts); }
  rm(table: string, cached = false): Promise<void> { return remove(this.ctx, table, cached); }
  mv(from: string, to: string): Promise<void> { return rename(this.ctx, from, to); }
  commit(opts: CommitOptions): Promise<CommitResult> { return commit(this.ctx, opts); }
  status(): Promise<StatusResult> { return status(this.ctx); }
  log(opts?: LogOptions): Promise<LogEntry[]> { return log(this.ctx, opts); }
  show(rev: string): Promise<ShowResult> { return show(this.ctx, rev); }
  checkout(opts: CheckoutOptions): Promise<CheckoutResult> { return checkout(this.ctx, opts); }
  /**
   * For each row of `orders` (the working tree's version) or `orders@rev`, or each cell with
   * `cells`, the newest commit whose change made it what it is now. Rows stream in key order.
   *
   * @example
   * const b = await repo.blame({ ref: 'orders@main', where: 'customer_id = 42', cells: true, columns: ['amount'] });
   * for await (const rows of b.rows) for (const r of rows) console.log(r.key, r.commit, r.cells?.amount.author);
   *
   * Currently does not follow rows across a change of primary key (they are blamed on that commit).
   */
  blame(opts: BlameOptions): Promise<BlameResult> { return blame(this.ctx, opts); }
  /**
   * `log --key`: the commits that changed one row (including those that added and removed it), newest first.
   *
   * @example
   * const h = await repo.rowHistory({ table: 'orders', key: [['id', '1042']] });
   */
  rowHistory(opts: RowHistoryOptions): Promise<RowHistoryEntry[]> { return rowHistory(this.ctx, opts); }
  /**
   * Row- and cell-level differences, as git reads the arguments: no revision = working files vs
   * index, `staged` = index vs HEAD, one revision = it vs working files, two (or `A..B`, `A...B`).
   * Tables stream one at a time; each one's rows stream in key order.
   *
   * @example
   * const d = await repo.diff({ args: ['main', 'fix', 'orders'], columns: ['amount'] });
   * for await (const t of d.tables()) for await (const rows of t.rows()) console.log(t.table, rows);
   *
   * Currently detects a rename only when the old and new name hold the same rows in the two commits
   * compared (or, for the working tree, in the index); a table renamed and edited in one commit
   * shows as removed and added.
   */
  diff(opts: DiffOptions = {}): Promise<DiffSession> { return diff(this.ctx, opts); }

  branches() { return refs.listBranches(this.ctx); }
  createBranch(name: string, start?: string) { return refs.createBranch(this.ctx, name, start); }
  deleteBranch(name: string, force = false) { return refs.deleteBranch(this.ctx, name, force); }
  renameBranch(from: string, to: string) { return refs.renameBranch(this.ctx, from, to); }
  currentBranch() { return this.ctx.git.currentBranch(); }
  tags() { return refs.listTags(this.ctx); }
  createTag(name: string, rev?: string, message?: string) { return refs.createTag(this.ctx, name, rev, message); }
  deleteTag(name: string) { return refs.deleteTag(this.ctx, name); }
  reset(rev: string, mode: refs.ResetMode = 'mixed') { return refs.reset(this.ctx, rev, mode); }

  files(ref: string, relative = false): Promise<string[]> { return chunkFiles(this.ctx, ref, relative); }
  export(ref: string, file: string, cwd = this.root) { return exportTable(this.ctx, ref, file, cwd); }
  /**
   * A read-only DuckDB query: `orders` reads the working file (uncommitted edits included),
   * `orders@v1` / `"my table"@HEAD~2` read that snapshot's chunks in place. Only one SELECT is
   * accepted. The rows are returned in memory; pass `output` (a .parquet/.csv/.tsv/.jsonl path)
   * to write a large result to a file instead.
   *
   * @example
   * const { rows } = await repo.sql("select * from orders except select * from orders@HEAD");  // rows added or changed since HEAD
   */
  sql(query: string, opts: { output?: string; cwd?: string } = {}): Promise<SqlResult> {
    return sqlQuery(this.ctx, { query, output: opts.output, cwd: opts.cwd ?? this.root });
  }
  fsck(): Promise<FsckResult> { return fsck(this.ctx); }
  gc(): Promise<GcResult> { return gc(this.ctx); }

  config(): Promise<Record<string, string>> { return readConfig(this.ctx); }
  setConfig(key: string, value: string | undefined) { return this.ctx.locked(() => setConfig(this.ctx, key, value)); }

  /**
   * Run the checks of lakegit.yaml (see docs/cli.md) without committing or merging anything; the
   * report says per check whether it passed, with violation counts and sample rows. With `into`,
   * the target branch's committed pre-merge checks run against the result of merging `rev`
   * (computed by the merge engine and discarded). Currently a result with conflicts is refused, as
   * the merge itself would stop before its checks.
   *
   * @example
   * const report = await repo.check({ rev: 'nightly-load', into: 'main' });
   * if (!report.passed) console.log(report.checks.filter((c) => !c.passed));
   */
  check(opts: CheckOptions = {}): Promise<CheckReport> { return check(this.ctx, opts); }
  /** A protected branch takes no direct commit, reset, revert or cherry-pick; merges into it must pass its checks. */
  protect(branch: string): Promise<boolean> { return setProtected(this.ctx, branch, true); }
  unprotect(branch: string): Promise<boolean> { return setProtected(this.ctx, branch, false); }
  protectedBranches(): Promise<string[]> { return protectedBranches(this.ctx); }

  /**
   * Three-way, cell-level merge of `source` into HEAD: up to date, a fast-forward, or a commit with
   * two parents. Conflicts are data in the result (status 'conflicts', nothing committed; the
   * working files hold the merged rows with ours in conflicting cells) until `resolve`d and
   * `mergeContinue`d. The pre-merge checks run on the merged tree before anything is written.
   * Currently refuses criss-cross histories (several merge bases) rather than merging the bases.
   *
   * @example
   * const r = await repo.merge({ source: 'fix' });
   * if (r.status === 'conflicts') console.log(r.conflicts);   // [{ table, key, column, base, ours, theirs }]
   */
  merge(opts: MergeOptions): Promise<MergeResult> { return merge(this.ctx, opts); }
  /** Commit a merge (or revert, cherry-pick) once its conflicts are resolved. */
  mergeContinue(opts: { message?: string; noVerify?: boolean } = {}): Promise<MergeResult> { return continueMerge(this.ctx, opts); }
  /** Leave a merge (or revert, cherry-pick): working files, index, refs and stores as before it started. */
  mergeAbort(): Promise<MergeResult> { return abortMerge(this.ctx); }
  /** The unresolved conflicts of the merge in progress, optionally of one table. */
  conflicts(table?: string): Promise<Conflict[]> { return listConflicts(this.ctx, table); }
  /**
   * Settle a table's conflicts to one side, all or those whose row matches `where` (DuckDB SQL).
   *
   * @example
   * await repo.resolve({ table: 'orders', side: 'theirs', where: "region = 'EU'" });
   */
  resolve(opts: ResolveOptions): Promise<ResolveResult> { return resolve(this.ctx, opts); }
  /** A new commit undoing `rev`'s row changes (merge commits need `mainline`); conflicts as in merge. */
  revert(opts: PickOptions): Promise<MergeResult> { return revert(this.ctx, opts); }
  /** A new commit applying `rev`'s row changes to HEAD, keeping its author; conflicts as in merge. */
  cherryPick(opts: PickOptions): Promise<MergeResult> { return cherryPick(this.ctx, opts); }

  /** Release DuckDB, if this process loaded it. */
  static close(): void {
    if (Engine.loaded()) void Engine.get().then((e) => e.close());
  }
}
