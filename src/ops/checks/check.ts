import { badInput } from '../../errors.js';
import type { RepoContext } from '../context.js';
import { resolveCommit } from '../revisions.js';
import { readTableTree, type TableTree } from '../tree.js';
import { blameViolations } from './blame.js';
import { mergeChecks } from './gate.js';
import { withMergePreview } from './merge-preview.js';
import { recordPasses } from './notes.js';
import type { CheckReport } from './report.js';
import { baselineAt, runChecks } from './run.js';

export interface CheckOptions {
  /** The revision to check; HEAD by default. */
  rev?: string;
  /** Run this branch's pre-merge checks against the result of merging `rev` into it, as `merge` would. */
  into?: string;
  /** Name the commit and author that introduced each sampled violating row. */
  blame?: boolean;
  /** Read every row even where a recorded pass allows checking only the changed ones. */
  full?: boolean;
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
  const { report, passes } = await runChecks(ctx, {
    event: 'check',
    config: tree.config,
    configTree: tree,
    origin: `lakegit.yaml at ${sourceRef}`,
    candidate: tree,
    candidateCommit: source,
    full: opts.full,
    baseline: await baselineAt(ctx, parent),
    hooks: { event: 'check', sourceRef, targetRef: (await ctx.git.currentBranch()) ?? 'HEAD', commit: source },
  });
  if (report.passed && Object.keys(passes).length) {
    // Only a cache for later merges: a busy repository just goes without it this time.
    await ctx.locked(() => recordPasses(ctx, source, passes)).catch(() => undefined);
  }
  if (opts.blame) await blameViolations(ctx, report, tree, source);
  return report;
}

async function checkInto(ctx: RepoContext, opts: CheckOptions, into: string, sourceRef: string, source: string): Promise<CheckReport> {
  // A remote-tracking branch (`origin/main`) too: CI checks a candidate against the remote's main.
  const target = (await ctx.git.resolveRef(`refs/heads/${into}`)) ?? (await ctx.git.resolveRef(`refs/remotes/${into}`));
  if (!target) throw badInput(`no branch named '${into}'`, { branch: into }, '--into names the branch a merge would go into');
  const run = async (result: TableTree) => {
    const { report } = await mergeChecks(ctx, {
      targetBranch: into,
      targetCommit: target,
      sourceRef,
      sourceCommit: source,
      result,
      full: opts.full,
    });
    if (opts.blame) await blameViolations(ctx, report, result, source);
    return report;
  };
  // Cheap cases first: already merged, or a fast-forward, where the result is a tree that exists.
  if (await ctx.git.isAncestor(source, target)) return run(await readTableTree(ctx, target));
  if (await ctx.git.isAncestor(target, source)) return run(await readTableTree(ctx, source));
  return withMergePreview(ctx, target, source, { into, sourceRef }, run);
}
