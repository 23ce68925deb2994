import { NoMergeBase, NothingInProgress, RefMoved, Refused, badInput } from '../../errors.js';
import { commitIndex } from '../commit.js';
import type { RepoContext } from '../context.js';
import type { Strategy } from './policy.js';
import {
  HEAD_FILE,
  clearState,
  finishHint,
  pendingMerge,
  readState,
  refuseIfInProgress,
  restoreState,
  type MergeKind,
  type MergeState,
} from './state.js';
import { resolveIdentity } from '../identity.js';
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
  /** `--author "Name <email>"` for the merge commit (a CI runner may have no identity configured). */
  author?: string;
  /** Stage the merged rows without committing or recording a merge: the next commit has one parent (git's --squash). */
  squash?: boolean;
  /** Into a protected branch: let the merge change its checks (never a fast-forward then, so the commit records it). */
  allowCheckChanges?: boolean;
}

/** How `--continue` and `--abort` are called: by which verb, and for `--continue` the commit's message and author. */
export interface FinishOptions {
  /** The verb used (`revert --continue`); `merge --continue`, like `commit`, also ends a revert or cherry-pick. */
  kind?: MergeKind;
  message?: string;
  author?: string;
  noVerify?: boolean;
  allowCheckChanges?: boolean;
}

/** The state a `<kind> --continue|--abort` finishes: refused when another kind of operation is in progress. */
async function stateFor(ctx: RepoContext, kind: MergeKind | undefined, what: 'continue' | 'abort'): Promise<MergeState | undefined> {
  const state = await readState(ctx);
  if (state && kind && kind !== 'merge' && state.kind !== kind) {
    throw badInput(`no ${kind} is in progress: a ${state.kind} is`, { kind: state.kind }, finishHint(state.kind));
  }
  if (!state && what === 'continue') {
    throw new NothingInProgress(
      `start one with 'lakegit ${kind ?? 'merge'} <rev>'`,
      `no ${kind ?? 'merge, revert or cherry-pick'} is in progress`,
    );
  }
  return state;
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
    if (opts.author) await resolveIdentity(ctx, opts.author); // a malformed --author is refused before anything is written
    const theirs = await resolveCommit(ctx, opts.source);
    const head = (await ctx.git.resolveRef('HEAD')) ?? null;
    const branch = await ctx.git.currentBranch();
    const common = {
      source: opts.source,
      head,
      branch,
      theirs,
      dryRun: !!opts.dryRun,
      noVerify: !!opts.noVerify,
      allowCheckChanges: !!opts.allowCheckChanges,
    };
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
    // An allowed change of checks needs a merge commit to record who allowed it.
    const noFf = opts.noFf || opts.allowCheckChanges;
    if (canFf && !opts.squash && (!noFf || !head)) return fastForward(ctx, { kind: 'merge', ...common });
    const base = await mergeBase(ctx, head!, theirs, ['HEAD', opts.source]);
    const trees = { base: await readTableTree(ctx, base), ours: await readTableTree(ctx, head!), theirs: await readTableTree(ctx, theirs) };
    return runThreeWay(ctx, {
      kind: 'merge',
      ...common,
      base,
      trees,
      strategy: opts.strategy,
      commit: !opts.squash,
      squash: opts.squash,
      message: opts.message ?? (await defaultMessage(ctx, opts.source, theirs)),
      author: opts.author,
    });
  });
}

/** `<kind> --continue`: commit what is staged, once no conflict remains. */
export async function continueMerge(ctx: RepoContext, opts: FinishOptions = {}): Promise<MergeResult> {
  return ctx.locked(async () => {
    const state = (await stateFor(ctx, opts.kind, 'continue'))!;
    if (opts.author) await resolveIdentity(ctx, opts.author);
    const pending = (await pendingMerge(ctx))!;
    const r = await commitIndex(ctx, await ctx.staging.read(), {
      message: opts.message ?? state.message,
      author: opts.author ?? state.author,
      noVerify: !!opts.noVerify,
      extraParents: pending.extraParents,
      event: pending.event,
      allowCheckChanges: opts.allowCheckChanges,
    });
    const concluded = {
      kind: state.kind,
      source: state.source,
      theirs: state.theirs,
      head: state.head,
      tables: [],
      conflicts: [],
      settled: 0,
      gates: r.gates,
    };
    if (r.status === 'refused') return { ...concluded, status: 'refused' }; // the merge stays in progress
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
      gates: r.gates,
    };
  });
}

/** `<kind> --abort`: the working files, index, refs and stores exactly as before the operation started. */
export async function abortMerge(ctx: RepoContext, opts: Pick<FinishOptions, 'kind'> = {}): Promise<MergeResult> {
  return ctx.locked(async () => {
    const state = await stateFor(ctx, opts.kind, 'abort');
    if (!state) {
      const stray = (await Promise.all(Object.values(HEAD_FILE).map((f) => exists(ctx.stateFile(f))))).some(Boolean);
      if (!stray) {
        const kind = opts.kind ?? 'merge';
        throw new NothingInProgress(
          `start one with 'lakegit ${kind} <rev>'`,
          `no ${opts.kind ?? 'merge, revert or cherry-pick'} is in progress`,
        );
      }
      await clearState(ctx);
      return { kind: opts.kind ?? 'merge', status: 'aborted', tables: [], conflicts: [], settled: 0, gates: [] };
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
