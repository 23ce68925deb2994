import { NoMergeBase, NothingInProgress, RefMoved, Refused } from '../../errors.js';
import { commitIndex } from '../commit.js';
import type { RepoContext } from '../context.js';
import type { Strategy } from './policy.js';
import { HEAD_FILE, clearState, pendingMerge, readState, refuseIfInProgress, restoreState } from './state.js';
import { fastForward, runThreeWay, type MergeResult } from './run.js';
import { resolveCommit } from '../revisions.js';
import { readTableTree } from '../tree.js';
import { exists } from '../../store/fsutil.js';

export interface MergeOptions {
  source: string;
  noFf?: boolean;
  ffOnly?: boolean;
  message?: string;
  dryRun?: boolean;
  strategy?: Strategy;
  noVerify?: boolean;
}

/** The one merge base of two commits; none (unrelated histories) or several (criss-cross) is refused. */
export async function mergeBase(ctx: RepoContext, a: string, b: string, names: [string, string]): Promise<string> {
  const bases = await ctx.git.mergeBases(a, b);
  if (bases.length === 0) {
    throw new NoMergeBase(
      `'${names[0]}' and '${names[1]}' have no common history`,
      { ours: a, theirs: b },
      'merge only branches that grew from one another',
    );
  }
  if (bases.length > 1) {
    throw new NoMergeBase(
      `'${names[0]}' and '${names[1]}' have ${bases.length} merge bases (a criss-cross history): ${bases.map((x) => x.slice(0, 7)).join(', ')}`,
      { bases },
      `merge one base into the other first, or cherry-pick the changes you need`,
    );
  }
  return bases[0];
}

async function defaultMessage(ctx: RepoContext, source: string, theirs: string): Promise<string> {
  if (await ctx.git.resolveRef(`refs/heads/${source}`)) return `Merge branch '${source}'`;
  return `Merge '${source}' (${theirs.slice(0, 7)})`;
}

/** `merge <source>`: up to date, fast-forward, or a three-way merge with a two-parent commit. */
export async function merge(ctx: RepoContext, opts: MergeOptions): Promise<MergeResult> {
  return ctx.locked(async () => {
    await refuseIfInProgress(ctx);
    const theirs = await resolveCommit(ctx, opts.source);
    const head = (await ctx.git.resolveRef('HEAD')) ?? null;
    const branch = await ctx.git.currentBranch();
    const common = { source: opts.source, head, branch, theirs, dryRun: !!opts.dryRun, noVerify: !!opts.noVerify };
    if (head && (await ctx.git.isAncestor(theirs, head))) {
      return { kind: 'merge', status: 'up-to-date', ...common, tables: [], conflicts: [], settled: 0, gates: [] };
    }
    const canFf = !head || (await ctx.git.isAncestor(head, theirs));
    if (opts.ffOnly && !canFf) {
      throw new Refused(
        `not possible to fast-forward to '${opts.source}'`,
        { source: opts.source },
        'merge without --ff-only to make a merge commit',
      );
    }
    if (canFf && (!opts.noFf || !head)) return fastForward(ctx, { kind: 'merge', ...common });
    const base = await mergeBase(ctx, head!, theirs, ['HEAD', opts.source]);
    const trees = { base: await readTableTree(ctx, base), ours: await readTableTree(ctx, head!), theirs: await readTableTree(ctx, theirs) };
    return runThreeWay(ctx, {
      kind: 'merge',
      ...common,
      base,
      trees,
      strategy: opts.strategy,
      commit: true,
      message: opts.message ?? (await defaultMessage(ctx, opts.source, theirs)),
    });
  });
}

/** `merge --continue` (also ends a revert or cherry-pick): commit what is staged, once no conflict remains. */
export async function continueMerge(ctx: RepoContext, opts: { message?: string; noVerify?: boolean } = {}): Promise<MergeResult> {
  return ctx.locked(async () => {
    const state = await readState(ctx);
    if (!state) throw new NothingInProgress("start one with 'lakegit merge <branch>'");
    const pending = (await pendingMerge(ctx))!;
    const r = await commitIndex(ctx, await ctx.staging.read(), {
      message: opts.message ?? state.message,
      author: state.author,
      noVerify: !!opts.noVerify,
      extraParents: pending.extraParents,
      event: pending.event,
    });
    await pending.done();
    return {
      kind: state.kind,
      status: 'committed',
      source: state.source,
      theirs: state.theirs,
      head: state.head,
      commit: r.oid,
      tables: [],
      conflicts: [],
      settled: 0,
      gates: [],
    };
  });
}

/** `merge --abort`: the working files, index, refs and stores exactly as before the merge started. */
export async function abortMerge(ctx: RepoContext): Promise<MergeResult> {
  return ctx.locked(async () => {
    const state = await readState(ctx);
    if (!state) {
      const stray = (await Promise.all(Object.values(HEAD_FILE).map((f) => exists(ctx.stateFile(f))))).some(Boolean);
      if (!stray) throw new NothingInProgress();
      await clearState(ctx);
      return { kind: 'merge', status: 'aborted', tables: [], conflicts: [], settled: 0, gates: [] };
    }
    const head = (await ctx.git.resolveRef('HEAD')) ?? null;
    if (head !== state.head) {
      throw new RefMoved(
        `HEAD moved since the ${state.kind} started (${state.head?.slice(0, 7)} → ${head?.slice(0, 7)})`,
        {},
        "use 'lakegit reset --hard' to choose a state yourself",
      );
    }
    await restoreState(ctx, state);
    return {
      kind: state.kind,
      status: 'aborted',
      source: state.source,
      theirs: state.theirs,
      head,
      tables: [],
      conflicts: [],
      settled: 0,
      gates: [],
    };
  });
}
