import { badInput } from './errors.js';
import { RepoContext } from './ops/context.js';
import { installGates } from './ops/gates.js';
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
import type { FsckResult, GcOptions, GcResult } from './ops/maintenance.js';
import type { ReflogItem } from './ops/reflog.js';
import type { ReceiveVerdict, RefUpdate } from './ops/remote/receive.js';
import type { SqlResult } from './ops/sql/query.js';
import type { FinishOptions, MergeOptions } from './ops/merge/index.js';
import type { MergeResult } from './ops/merge/run.js';
import type { Conflict } from './ops/merge/tree.js';
import type { ResolveOptions, ResolveResult } from './ops/merge/resolve.js';
import type { PickOptions } from './ops/merge/revert.js';
import type { DiffOptions, DiffSession } from './ops/diff/index.js';
import type { CheckReport } from './ops/checks/index.js';
import type { CheckOptions } from './ops/verify/index.js';
import type { CloneOptions, PullOptions, PushOptions, TransferReporter } from './ops/remote/index.js';

/*
 * Operations are imported when first called: a process that runs `log` never compiles merge, diff,
 * checks or sql. Each loader below is one module of src/ops/.
 */
const stage = () => import('./ops/add-rm-mv.js');
const refs = () => import('./ops/branch-tag-reset.js');
const mergeOps = () => import('./ops/merge/index.js');
const resolveOps = () => import('./ops/merge/resolve.js');
const revertOps = () => import('./ops/merge/revert.js');
const maintenance = () => import('./ops/maintenance.js');
const read = () => import('./ops/files-export.js');
const configOps = () => import('./ops/config.js');
const protect = () => import('./ops/protect.js');
const verify = () => import('./ops/verify/index.js');

/*
 * Every write path (commit, merge, revert, cherry-pick, reset) passes through the gates of
 * src/ops/gates.ts; their implementation (checks, hooks, protection) sits above merge and commit,
 * so it is plugged in here, where both are in reach, and loaded only when a write needs it.
 */
installGates(async () => (await verify()).gates);
const remotes = () => import('./ops/remote/index.js');

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

  get root(): string {
    return this.ctx.root;
  }

  /** The context of a verb that needs a working tree; a bare repository (a remote) has none. */
  private get work(): RepoContext {
    if (this.ctx.bare) {
      throw badInput(
        `${this.ctx.root} is a bare repository (a remote): it has no working tree`,
        { dir: this.ctx.root },
        "clone it to work on its tables; 'protect', 'log', 'check', 'reflog' and 'gc' work here",
      );
    }
    return this.ctx;
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

  /**
   * The server side of a push: for each ref update git is about to make, whether this repository's
   * branch protection accepts it (see `src/ops/remote/receive.ts`).
   *
   * @example
   * const verdicts = await repo.judgePush([{ old, new: tip, ref: 'refs/heads/main' }]);
   * if (verdicts.some((v) => !v.accepted)) process.exitCode = 1;
   */
  async judgePush(updates: RefUpdate[]): Promise<ReceiveVerdict[]> {
    return (await import('./ops/remote/receive.js')).judgePush(this.ctx, updates);
  }

  static async init(dir: string, branch?: string): Promise<Repo & { created: boolean }> {
    const { root, created } = await (await import('./ops/init.js')).init(dir, branch);
    return Object.assign(new Repo(new RepoContext(root)), { created });
  }

  /** `init --bare`: a repository without a working tree, to serve as a remote. */
  static async initBare(dir: string, opts: { chunks?: string; branch?: string; cwd?: string } = {}) {
    return (await remotes()).initBare(dir, { ...opts, cwd: opts.cwd ?? process.cwd() });
  }

  /**
   * `clone`: every commit and ref of the remote; the chunks of the checked-out revision only, or
   * none with `noCheckout` (later reads fetch what they need).
   *
   * @example
   * const { root } = await Repo.clone('https://git.example.com/lake.git', { dir: 'lake', noCheckout: true, cwd: process.cwd() });
   */
  static async clone(url: string, opts: CloneOptions) {
    return (await remotes()).clone(url, opts);
  }

  /** Where chunk transfers (clone, fetch, push, on-demand reads) report progress. */
  static async onTransfer(reporter: TransferReporter | undefined): Promise<void> {
    (await import('./ops/remote/ondemand.js')).setTransferReporter(reporter);
  }

  async remotes() {
    return (await remotes()).listRemotes(this.ctx);
  }
  async addRemote(name: string, url: string, opts: { chunks?: string; cwd?: string } = {}) {
    return (await remotes()).addRemote(this.ctx, name, url, { ...opts, cwd: opts.cwd ?? process.cwd() });
  }
  async removeRemote(name: string) {
    return (await remotes()).removeRemote(this.ctx, name);
  }
  async setRemoteUrl(name: string, url: string, opts: { chunks?: string; cwd?: string } = {}) {
    return (await remotes()).setRemoteUrl(this.ctx, name, url, { ...opts, cwd: opts.cwd ?? process.cwd() });
  }
  async fetch(remote?: string, opts: { allChunks?: boolean } = {}) {
    const r = await remotes();
    const { listed: _listed, ...result } = await r.fetchRemote(this.ctx, remote ?? (await r.defaultRemote(this.ctx)), opts);
    return result;
  }
  async push(opts: PushOptions = {}) {
    return (await remotes()).push(this.ctx, opts);
  }
  async pull(opts: PullOptions = {}) {
    return (await remotes()).pull(this.ctx, opts);
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
  async fsck(): Promise<FsckResult> {
    return (await maintenance()).fsck(this.ctx);
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
  async check(opts: CheckOptions = {}): Promise<CheckReport> {
    return (await verify()).check(this.ctx, opts);
  }
  /** A protected branch takes no direct commit, reset, revert or cherry-pick; merges into it must pass its checks. */
  async protect(branch: string): Promise<boolean> {
    return (await protect()).setProtected(this.ctx, branch, true);
  }
  async unprotect(branch: string): Promise<boolean> {
    return (await protect()).setProtected(this.ctx, branch, false);
  }
  async protectedBranches(): Promise<string[]> {
    return (await protect()).protectedBranches(this.ctx);
  }

  /**
   * Three-way, cell-level merge of `source` into HEAD: up to date, a fast-forward, or a commit with
   * two parents. Conflicts are data in the result (status 'conflicts', nothing committed; the
   * working files hold the merged rows with ours in conflicting cells) until `resolve`d and
   * `mergeContinue`d. The pre-merge checks run on the merged tree before anything is written; a
   * failed check is a result too (status 'refused', nothing written, `gates` says why). Into a
   * protected branch, a change to its lakegit.yaml or hook scripts needs `allowCheckChanges`.
   * Currently refuses criss-cross histories (several merge bases) rather than merging the bases.
   *
   * @example
   * const r = await repo.merge({ source: 'fix' });
   * if (r.status === 'conflicts') console.log(r.conflicts);   // [{ table, key, column, base, ours, theirs }]
   */
  async merge(opts: MergeOptions): Promise<MergeResult> {
    return (await mergeOps()).merge(this.work, opts);
  }
  /** Commit a merge (or revert, cherry-pick) once its conflicts are resolved. */
  async mergeContinue(opts: FinishOptions = {}): Promise<MergeResult> {
    return (await mergeOps()).continueMerge(this.work, opts);
  }
  /** Leave a merge (or revert, cherry-pick): working files, index, refs and stores as before it started. */
  async mergeAbort(opts: Pick<FinishOptions, 'kind'> = {}): Promise<MergeResult> {
    return (await mergeOps()).abortMerge(this.work, opts);
  }
  /** The unresolved conflicts of the merge in progress, optionally of one table. */
  async conflicts(table?: string): Promise<Conflict[]> {
    return (await resolveOps()).listConflicts(this.work, table);
  }
  /**
   * Settle a table's conflicts to one side, all or those whose row matches `where` (DuckDB SQL).
   *
   * @example
   * await repo.resolve({ table: 'orders', side: 'theirs', where: "region = 'EU'" });
   */
  async resolve(opts: ResolveOptions): Promise<ResolveResult> {
    return (await resolveOps()).resolve(this.work, opts);
  }
  /** A new commit undoing `rev`'s row changes (merge commits need `mainline`); conflicts as in merge. */
  async revert(opts: PickOptions): Promise<MergeResult> {
    return (await revertOps()).revert(this.work, opts);
  }
  /** A new commit applying `rev`'s row changes to HEAD, keeping its author; conflicts as in merge. */
  async cherryPick(opts: PickOptions): Promise<MergeResult> {
    return (await revertOps()).cherryPick(this.work, opts);
  }

  /** Release DuckDB, if this process loaded it. */
  static async close(): Promise<void> {
    const { Engine } = await import('./engine/db.js');
    if (Engine.loaded()) (await Engine.get()).close();
  }
}
