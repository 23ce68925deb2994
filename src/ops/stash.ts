import { badInput } from '../errors.js';
import { updateWorkingTree } from './checkout.js';
import { indexTree } from './tree.js';
import type { RepoContext } from './context.js';
import { resolveIdentity } from './identity.js';
import { cherryPick } from './merge/revert.js';
import type { MergeResult } from './merge/run.js';
import { refuseIfInProgress } from './merge/state.js';
import { stageAll } from './add-rm-mv.js';
import { readTableTree, treesEqual, writeTableTree } from './tree.js';
import { writeChangeStats } from './change-stats.js';

/** The newest stash; each stash commit's second parent is the one before it. */
export const STASH_REF = 'refs/stash';

export interface StashEntry {
  commit: string;
  message: string;
}

export interface StashResult {
  /** The stash commit written, or null when there was nothing to stash. */
  stash: string | null;
  tables: string[];
}

/**
 * `stash`: record every tracked table's working rows (staged or not) as a commit on `refs/stash`
 * (parents: HEAD, then the previous stash), then put the index and working files back to HEAD.
 * Untracked files stay where they are, as in git.
 */
export async function stashPush(ctx: RepoContext, message?: string): Promise<StashResult> {
  return ctx.locked(async () => {
    await refuseIfInProgress(ctx);
    const head = await ctx.git.resolveRef('HEAD');
    if (!head) throw badInput('nothing to stash onto: the branch has no commits yet');
    const index = await ctx.staging.read();
    await stageAll(ctx, index, { staged: [], unchanged: [], removed: [] });
    const headTree = await readTableTree(ctx, head);
    const saved = indexTree(index);
    if (treesEqual(saved, headTree)) return { stash: null, tables: [] };
    const c = await ctx.git.readCommit(head);
    const branch = (await ctx.git.currentBranch()) ?? '(no branch)';
    const previous = await ctx.git.resolveRef(STASH_REF);
    const oid = await ctx.git.writeCommit({
      tree: await writeTableTree(ctx, saved, await writeChangeStats(ctx, head, headTree, saved)),
      parents: [head, ...(previous ? [previous] : [])],
      message: `${message ?? `WIP on ${branch}: ${head.slice(0, 7)} ${c.message.split('\n')[0]}`}\n`,
      author: await resolveIdentity(ctx, undefined),
    });
    await ctx.git.updateRef(STASH_REF, oid, previous ?? undefined);
    const { written } = await updateWorkingTree(ctx, head, true);
    return { stash: oid, tables: written };
  });
}

/** The stashes, newest first. */
export async function stashList(ctx: RepoContext): Promise<StashEntry[]> {
  const out: StashEntry[] = [];
  for (let oid = await ctx.git.resolveRef(STASH_REF); oid;) {
    const c = await ctx.git.readCommit(oid);
    out.push({ commit: oid, message: c.message.trimEnd() });
    oid = c.parents[1];
  }
  return out;
}

/**
 * `stash pop`: apply the newest stash to the working files as a three-way merge against the commit
 * it was made on (so it applies to a moved HEAD too), then drop it; a conflicted pop keeps it.
 */
export async function stashPop(ctx: RepoContext): Promise<MergeResult & { dropped: boolean }> {
  const top = await ctx.git.resolveRef(STASH_REF);
  if (!top) throw badInput('no stash entries', {}, "save one with 'lakegit stash'");
  const r = await cherryPick(ctx, {
    rev: top,
    commit: false,
    mainline: (await ctx.git.readCommit(top)).parents.length > 1 ? 1 : undefined,
  });
  if (r.conflicts.length) return { ...r, dropped: false };
  await stashDrop(ctx, top);
  return { ...r, dropped: true };
}

/** Drop the newest stash (if it still is `expected`). */
export async function stashDrop(ctx: RepoContext, expected?: string): Promise<void> {
  await ctx.locked(async () => {
    const top = await ctx.git.resolveRef(STASH_REF);
    if (!top || (expected && top !== expected)) return;
    const previous = (await ctx.git.readCommit(top)).parents[1];
    if (previous) await ctx.git.updateRef(STASH_REF, previous, top);
    else await ctx.git.deleteRef(STASH_REF);
  });
}
