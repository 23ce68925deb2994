import { UsageError, badInput } from '../../errors.js';
import type { CommitInfo } from '../../store/git.js';
import type { RepoContext } from '../context.js';
import type { Strategy } from './policy.js';
import { formatIdentity, resolveIdentity } from '../identity.js';
import { runThreeWay, type MergeResult } from './run.js';
import { refuseIfInProgress } from './state.js';
import { resolveCommit } from '../revisions.js';
import { emptyTree, readTableTree } from '../tree.js';
import { pickedChanges } from '../change-stats.js';

export interface PickOptions {
  rev: string;
  /** Make a commit (default); false stages the result and leaves it to `commit`. */
  commit?: boolean;
  message?: string;
  /** For a merge commit: which parent's side is the mainline (1-based), as git's `-m`. */
  mainline?: number;
  strategy?: Strategy;
  noVerify?: boolean;
  /** `--author "Name <email>"`; a cherry-pick otherwise keeps the picked commit's author. */
  author?: string;
}

/** The commit to revert or pick, and the parent its changes are measured against. */
async function changeOf(ctx: RepoContext, o: PickOptions, verb: string): Promise<{ commit: CommitInfo; parent?: string }> {
  const oid = await resolveCommit(ctx, o.rev);
  const commit = await ctx.git.readCommit(oid);
  const n = commit.parents.length;
  if (n > 1 && o.mainline === undefined) {
    throw new UsageError(
      `commit ${oid.slice(0, 7)} is a merge; say which parent's side to keep`,
      { rev: o.rev },
      `pass -m 1 to ${verb} the changes it brought into its first parent`,
    );
  }
  if (o.mainline !== undefined && (n < 2 || !Number.isInteger(o.mainline) || o.mainline < 1 || o.mainline > n)) {
    throw new UsageError(
      n < 2
        ? `commit ${oid.slice(0, 7)} is not a merge, so -m ${o.mainline} does not apply`
        : `commit ${oid.slice(0, 7)} has ${n} parents; -m must be 1..${n}`,
      { rev: o.rev, mainline: o.mainline },
    );
  }
  return { commit, parent: commit.parents[(o.mainline ?? 1) - 1] };
}

/** Revert and cherry-pick are one three-way merge each, with the commit and its parent as base and theirs. */
async function pick(ctx: RepoContext, o: PickOptions, kind: 'revert' | 'cherry-pick'): Promise<MergeResult> {
  return ctx.locked(async () => {
    await refuseIfInProgress(ctx);
    if (o.author) await resolveIdentity(ctx, o.author); // a malformed --author is refused before anything is written
    const head = await ctx.git.resolveRef('HEAD');
    if (!head) throw badInput(`nothing to ${kind} onto: the branch has no commits yet`);
    const { commit, parent } = await changeOf(ctx, o, kind);
    const [at, before] = [await readTableTree(ctx, commit.oid), parent ? await readTableTree(ctx, parent) : emptyTree()];
    const ours = await readTableTree(ctx, head);
    const subject = commit.message.split('\n')[0];
    const message =
      kind === 'revert'
        ? `${o.message ?? `Revert "${subject}"`}\n\nThis reverts commit ${commit.oid}.`
        : `${(o.message ?? commit.message).trimEnd()}\n\n(cherry picked from commit ${commit.oid})`;
    return runThreeWay(ctx, {
      kind,
      source: o.rev,
      head,
      branch: await ctx.git.currentBranch(),
      theirs: commit.oid,
      base: kind === 'revert' ? commit.oid : (parent ?? null),
      trees: kind === 'revert' ? { base: at, ours, theirs: before } : { base: before, ours, theirs: at },
      message,
      // Where the result is `rev`'s parent or `rev` itself (a revert of HEAD, a pick onto the parent), rev's recorded counts are the commit's.
      known: parent === commit.parents[0] ? await pickedChanges(ctx, commit, before, at, kind === 'revert' ? 'revert' : 'pick') : undefined,
      author: o.author ?? (kind === 'cherry-pick' ? formatIdentity(commit.author) : undefined),
      strategy: o.strategy,
      dryRun: false,
      noVerify: !!o.noVerify,
      commit: o.commit !== false,
    });
  });
}

/**
 * `revert <rev>`: a new commit that undoes exactly the row changes `rev` made. Base = `rev`,
 * theirs = its parent, ours = HEAD, so a later edit to a cell `rev` changed is a conflict rather
 * than silently overwritten.
 */
export const revert = (ctx: RepoContext, o: PickOptions): Promise<MergeResult> => pick(ctx, o, 'revert');

/** `cherry-pick <rev>`: apply `rev`'s row changes to HEAD. Base = its parent, theirs = `rev`; keeps its author. */
export const cherryPick = (ctx: RepoContext, o: PickOptions): Promise<MergeResult> => pick(ctx, o, 'cherry-pick');
