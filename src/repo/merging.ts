import type { CheckReport } from '../ops/checks/index.js';
import type { CheckOptions } from '../ops/verify/index.js';
import type { FinishOptions, MergeOptions } from '../ops/merge/index.js';
import type { MergeResult } from '../ops/merge/run.js';
import type { Conflict } from '../ops/merge/tree.js';
import type { ResolveOptions, ResolveResult } from '../ops/merge/resolve.js';
import type { PickOptions } from '../ops/merge/revert.js';
import { mergeOps, protect, resolveOps, revertOps, verify } from './loaders.js';
import { RepoRemotes } from './remotes.js';

/**
 * The Repo API's three-way verbs (merge, its continue/abort, conflicts and resolve, revert and
 * cherry-pick) and what gates them: the checks of lakegit.yaml and branch protection.
 */
export abstract class RepoMerging extends RepoRemotes {
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
}
