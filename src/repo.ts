import { RepoContext } from './ops/context.js';
import type { AddOptions, AddResult } from './ops/add-rm-mv.js';
import type { CommitOptions, CommitOutcome } from './ops/commit.js';
import type { StatusResult } from './ops/status.js';
import type { CheckoutOptions, CheckoutResult } from './ops/checkout.js';
import type { LogEntry, LogOptions } from './ops/history.js';
import type { ShowResult } from './ops/show.js';
import type { RestoreOptions, RestoreResult } from './ops/restore.js';
import type { StashEntry, StashResult } from './ops/stash.js';
import type { BlameOptions, BlameResult } from './ops/blame/index.js';
import type { RowHistoryEntry, RowHistoryOptions } from './ops/blame/row-history.js';
import type { ResetMode } from './ops/branch-tag-reset.js';
import type { FsckOptions, FsckResult, GcOptions, GcResult } from './ops/maintenance.js';
import type { ReflogItem } from './ops/reflog.js';
import type { SqlResult } from './ops/sql/query.js';
import type { MergeResult } from './ops/merge/run.js';
import type { DiffOptions, DiffSession } from './ops/diff/index.js';
import { configOps, maintenance, read, refs, stage } from './repo/loaders.js';
import { RepoMerging } from './repo/merging.js';

/**
 * The programmatic API; the CLI is one of its users. Each method checks its arguments and calls
 * one operation in `src/ops/`. Writers take the repository lock; readers do not.
 *
 * @example
 * const repo = await Repo.init('lake');
 * await repo.add({ paths: ['orders.csv'], cwd: repo.root, key: ['id'] });
 * await repo.commit({ message: 'load orders' });
 */
export class Repo extends RepoMerging {
  private constructor(ctx: RepoContext) {
    super(ctx);
  }

  static async open(dir: string): Promise<Repo> {
    const ctx = await RepoContext.discover(dir);
    // A ref-moving step a killed process recorded is finished before anything reads HEAD or the index.
    const finish = async () => {
      if (await ctx.hasPendingStep()) await (await import('./ops/pending.js')).finishPending(ctx);
    };
    ctx.onLocked = finish;
    if (await ctx.hasPendingStep()) await ctx.tryLocked(finish);
    return new Repo(ctx);
  }

  /**
   * The bare repository git runs a `pre-receive` hook in, reading objects where git's environment
   * says they are: pushed objects sit in a quarantine directory until the hook accepts them.
   */
  static async openReceiving(gitDir: string, env: NodeJS.ProcessEnv): Promise<Repo> {
    return new Repo(await (await import('./ops/remote/receive-context.js')).receivingContext(gitDir, env));
  }

  static async init(dir: string, branch?: string): Promise<Repo & { created: boolean }> {
    const { root, created } = await (await import('./ops/init.js')).init(dir, branch);
    return Object.assign(new Repo(new RepoContext(root)), { created });
  }

  async add(opts: AddOptions): Promise<AddResult> {
    return (await stage()).add(this.work, opts);
  }
  async rm(table: string, cached = false, force = false): Promise<void> {
    return (await stage()).remove(this.work, table, cached, force);
  }
  async mv(from: string, to: string): Promise<void> {
    return (await stage()).rename(this.work, from, to);
  }
  async commit(opts: CommitOptions): Promise<CommitOutcome> {
    return (await import('./ops/commit.js')).commit(this.work, opts);
  }
  async status(): Promise<StatusResult> {
    return (await import('./ops/status.js')).status(this.work);
  }
  /** Whether the working lakegit.yaml differs from HEAD's (untracked, staged or edited). */
  async configUncommitted(): Promise<boolean> {
    return (await import('./ops/status.js')).configUncommitted(this.work);
  }
  async log(opts?: LogOptions): Promise<LogEntry[]> {
    return (await import('./ops/history.js')).log(this.ctx, opts);
  }
  /** `stash`: save the working rows of every tracked table on `refs/stash` and go back to HEAD. */
  async stash(message?: string): Promise<StashResult> {
    return (await import('./ops/stash.js')).stashPush(this.work, message);
  }
  async stashList(): Promise<StashEntry[]> {
    return (await import('./ops/stash.js')).stashList(this.ctx);
  }
  /** `stash pop`: apply the newest stash (three-way) and drop it unless it conflicted. */
  async stashPop(): Promise<MergeResult & { dropped: boolean }> {
    return (await import('./ops/stash.js')).stashPop(this.work);
  }
  async stashDrop(): Promise<void> {
    return (await import('./ops/stash.js')).stashDrop(this.work);
  }
  /** `restore`: discard working (and with `staged`, staged) changes of tables. */
  async restore(opts: RestoreOptions): Promise<RestoreResult> {
    return (await import('./ops/restore.js')).restore(this.work, opts);
  }
  async show(rev: string): Promise<ShowResult> {
    return (await import('./ops/show.js')).show(this.ctx, rev);
  }
  async checkout(opts: CheckoutOptions): Promise<CheckoutResult> {
    return (await import('./ops/checkout.js')).checkout(this.work, opts);
  }
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
  async blame(opts: BlameOptions): Promise<BlameResult> {
    return (await import('./ops/blame/index.js')).blame(this.ctx, opts);
  }
  /**
   * `log --key`: the commits that changed one row (including those that added and removed it), newest first.
   *
   * @example
   * const h = await repo.rowHistory({ table: 'orders', key: [['id', '1042']] });
   */
  async rowHistory(opts: RowHistoryOptions): Promise<RowHistoryEntry[]> {
    return (await import('./ops/blame/row-history.js')).rowHistory(this.ctx, opts);
  }
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
  async diff(opts: DiffOptions = {}): Promise<DiffSession> {
    return (await import('./ops/diff/index.js')).diff(this.ctx, opts);
  }

  async branches() {
    return (await refs()).listBranches(this.ctx);
  }
  async createBranch(name: string, start?: string, force = false) {
    return (await refs()).createBranch(this.ctx, name, start, force);
  }
  async deleteBranch(name: string, force = false) {
    return (await refs()).deleteBranch(this.ctx, name, force);
  }
  async renameBranch(from: string, to: string) {
    return (await refs()).renameBranch(this.ctx, from, to);
  }
  currentBranch() {
    return this.ctx.git.currentBranch();
  }
  async tags() {
    return (await refs()).listTags(this.ctx);
  }
  async createTag(name: string, rev?: string, message?: string) {
    return (await refs()).createTag(this.ctx, name, rev, message);
  }
  async deleteTag(name: string) {
    return (await refs()).deleteTag(this.ctx, name);
  }
  async reset(rev: string, mode: ResetMode = 'mixed') {
    return (await refs()).reset(this.work, rev, mode);
  }

  async files(ref: string, relative = false): Promise<string[]> {
    return (await read()).chunkFiles(this.ctx, ref, relative);
  }
  async export(ref: string, file: string, cwd = this.root) {
    return (await read()).exportTable(this.ctx, ref, file, cwd);
  }
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
    return import('./ops/sql/query.js').then((m) => m.sqlQuery(this.ctx, { query, output: opts.output, cwd: opts.cwd ?? this.root }));
  }
  /**
   * Verify every reachable chunk and manifest; with `repair`, restore missing and damaged chunks from the
   * remotes' chunk stores or from the working files that still hold their rows, then verify again.
   */
  async fsck(opts: FsckOptions = {}): Promise<FsckResult> {
    return (await maintenance()).fsck(this.ctx, opts);
  }
  /**
   * Remove chunks that nothing reaches any more. Reachable: every branch, tag, remote-tracking
   * ref, the index, a merge in progress, and every reflog entry younger than `gc.reflogExpire`;
   * an unreachable chunk is kept until it is older than `gc.pruneExpire` (or `prune`: 'now' or a date).
   *
   * @example
   * await repo.gc({ prune: 'now' });   // drop unreachable chunks at once; reflog entries still protect theirs
   */
  async gc(opts: GcOptions = {}): Promise<GcResult> {
    return (await maintenance()).gc(this.ctx, opts);
  }
  /** The moves of HEAD (default) or a branch, newest first; each entry's `selector` (`HEAD@{2}`) is a revision. */
  async reflog(ref?: string): Promise<ReflogItem[]> {
    return (await import('./ops/reflog.js')).reflog(this.ctx, ref);
  }

  async config(): Promise<Record<string, string>> {
    return (await configOps()).readConfig(this.ctx);
  }
  async setConfig(key: string, value: string | undefined) {
    const { setConfig } = await configOps();
    return this.ctx.locked(() => setConfig(this.ctx, key, value));
  }

  /** Release DuckDB, if this process loaded it. */
  static async close(): Promise<void> {
    const { Engine } = await import('./engine/db.js');
    if (Engine.loaded()) (await Engine.get()).close();
  }
}
