import { promises as fsp } from 'node:fs';
import { UnknownBranch, badInput } from '../../errors.js';
import { CONFIG_FILE, type RepoContext } from '../context.js';
import { resolveCommit } from '../revisions.js';
import { readTableTree, type TableTree } from '../tree.js';
import { blameViolations } from '../blame/check-blame.js';
import { recordPasses } from '../checks/notes.js';
import type { CheckReport } from '../checks/report.js';
import { baselineAt, runChecks } from '../checks/run.js';
import { isProtected } from '../protect.js';
import { checkChangesItem } from './check-changes.js';
import { mergeChecks } from './gates.js';
import { withMergePreview } from './merge-preview.js';

export interface CheckOptions {
  /** The revision to check; HEAD by default. */
  rev?: string;
  /** Run this branch's pre-merge checks against the result of merging `rev` into it, as `merge` would. */
  into?: string;
  /** Name the commit and author that introduced each sampled violating row. */
  blame?: boolean;
  /** Read every row even where a recorded pass allows checking only the changed ones. */
  full?: boolean;
  /** Run the working tree's lakegit.yaml (not yet committed) instead of the revision's. */
  worktree?: boolean;
  /** With `into` a protected branch: a change to its checks is allowed (as `merge --allow-check-changes`). */
  allowCheckChanges?: boolean;
}

/**
 * `check`: the checks of a revision's own lakegit.yaml over its tables (and its pre-commit hooks),
 * or with `into` the target branch's pre-merge checks over the merge result. Nothing is merged or
 * committed; a run that passes is noted so later merges can check incrementally.
 */
export async function check(ctx: RepoContext, opts: CheckOptions): Promise<CheckReport> {
  const sourceRef = opts.rev ?? 'HEAD';
  const source = await resolveCommit(ctx, sourceRef);
  if (opts.into) return checkInto(ctx, opts, opts.into, sourceRef, source);
  const tree = await readTableTree(ctx, source);
  const parent = (await ctx.git.readCommit(source)).parents[0];
  const config = opts.worktree ? await workingConfig(ctx) : tree.config;
  const { report, passes } = await runChecks(ctx, {
    event: 'check',
    config,
    configTree: tree,
    origin: opts.worktree ? `${CONFIG_FILE} in the working tree` : `${CONFIG_FILE} at ${sourceRef}`,
    candidate: tree,
    candidateCommit: source,
    full: opts.full,
    baseline: await baselineAt(ctx, parent),
    hooks: { event: 'check', sourceRef, targetRef: (await ctx.git.currentBranch()) ?? 'HEAD', commit: source },
  });
  if (report.passed && Object.keys(passes).length && !opts.worktree) {
    // Only a cache for later merges: a busy repository just goes without it this time.
    await ctx.locked(() => recordPasses(ctx, source, passes)).catch(() => undefined);
  }
  if (opts.blame) await blameViolations(ctx, report, tree, [source]);
  return report;
}

async function checkInto(ctx: RepoContext, opts: CheckOptions, into: string, sourceRef: string, source: string): Promise<CheckReport> {
  // A remote-tracking branch (`origin/main`) too: CI checks a candidate against the remote's main.
  const target = (await ctx.git.resolveRef(`refs/heads/${into}`)) ?? (await ctx.git.resolveRef(`refs/remotes/${into}`));
  if (!target) throw new UnknownBranch(into, '--into names the branch a merge would go into');
  // `parents`: the commits the result would have as parents, for blame to follow as through a merge.
  const run = async (result: TableTree, parents: string[]) => {
    let { report } = await mergeChecks(ctx, {
      targetBranch: into,
      targetCommit: target,
      sourceRef,
      sourceCommit: source,
      result,
      full: opts.full,
    });
    if (await isProtected(ctx, into)) {
      const policy = await checkChangesItem(ctx, into, target, result, !!opts.allowCheckChanges);
      if (policy) {
        report = { ...report, checks: [policy, ...report.checks], passed: report.passed && policy.passed };
      }
    }
    if (opts.blame) await blameViolations(ctx, report, result, parents);
    return report;
  };
  // Cheap cases first: already merged, or a fast-forward, where the result is a tree that exists.
  if (await ctx.git.isAncestor(source, target)) return run(await readTableTree(ctx, target), [target]);
  if (await ctx.git.isAncestor(target, source)) return run(await readTableTree(ctx, source), [source]);
  return withMergePreview(ctx, target, source, { into, sourceRef }, (result) => run(result, [target, source]));
}

/** The working tree's lakegit.yaml as a blob, for `check --worktree`. */
async function workingConfig(ctx: RepoContext): Promise<string> {
  const text = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
  if (!text) throw badInput(`there is no ${CONFIG_FILE} in the working tree`, {}, 'write one, or drop --worktree');
  return ctx.git.writeBlob(text);
}
