import { badInput, refused } from '../errors.js';
import type { StagingIndex } from '../store/staging.js';
import { CONFIG_FILE, type RepoContext } from './context.js';
import { preCommitGate } from './gates.js';
import { resolveIdentity } from './identity.js';
import { stageAll } from './stage.js';
import { markResolved, pendingMerge } from './merge/state.js';
import { readTableTree, treesEqual, writeTableTree, type TableTree } from './tree.js';

export interface CommitOptions {
  message: string;
  all?: boolean;
  author?: string;
  allowEmpty?: boolean;
  noVerify?: boolean;
  /** Extra parents (a merge's other head). */
  extraParents?: string[];
  /** Replace HEAD by a new commit with HEAD's parents (and, without a message, HEAD's message), as `git commit --amend`. */
  amend?: boolean;
  /** What is committing, for the pre-commit gate. */
  event?: 'commit' | 'revert' | 'cherry-pick';
}

export interface CommitResult {
  oid: string;
  branch?: string;
  parents: string[];
  tables: string[];
  /** Whether lakegit.yaml (the checks) changed in this commit. */
  configChanged: boolean;
}

export const indexTree = (index: StagingIndex): TableTree => ({
  tables: new Map(Object.entries(index.tables).map(([k, v]) => [k, v.manifest])),
  config: index.config?.blob,
});

/** `commit`: write the staged tree as a commit and move the branch, last, with a compare-and-swap. */
export async function commit(ctx: RepoContext, opts: CommitOptions): Promise<CommitResult> {
  return ctx.locked(async () => {
    const index = await ctx.staging.read();
    if (opts.all) {
      const r = { staged: [], unchanged: [], removed: [] };
      await stageAll(ctx, index, r);
      await ctx.staging.write(index);
      await markResolved(ctx, [...r.staged, ...r.unchanged, ...r.removed, ...(index.config ? [CONFIG_FILE] : [])]);
    }
    // A merge (revert, cherry-pick) in progress: refused while conflicts remain, else it is what this commit concludes.
    const merging = await pendingMerge(ctx);
    if (merging && opts.amend)
      throw refused('cannot amend while a merge is in progress', {}, "finish it with 'lakegit commit' or 'lakegit merge --abort'");
    const done = await commitIndex(
      ctx,
      index,
      merging ? { ...opts, extraParents: merging.extraParents, event: merging.event ?? opts.event } : opts,
    );
    await merging?.done();
    return done;
  });
}

/** The commit step proper; the caller holds the lock. */
export async function commitIndex(ctx: RepoContext, index: StagingIndex, optsIn: CommitOptions): Promise<CommitResult> {
  const head = await ctx.git.resolveRef('HEAD');
  const amended = optsIn.amend ? await amendedCommit(ctx, head) : undefined;
  const opts = amended ? { ...optsIn, message: optsIn.message || amended.message, extraParents: amended.parents.slice(1) } : optsIn;
  if (!opts.message?.trim()) throw badInput('a commit message is required', {}, "pass -m '<message>'");
  const branch = await ctx.git.currentBranch();
  const staged = indexTree(index);
  const first = amended ? amended.parents[0] : head;
  const parentTree = await readTableTree(ctx, first);
  if (!amended && !opts.allowEmpty && !opts.extraParents?.length && head && treesEqual(staged, parentTree)) {
    throw refused('nothing to commit, working tree clean', {}, "use 'lakegit add' to stage changes, or --allow-empty");
  }
  await preCommitGate(ctx, {
    branch,
    tree: staged,
    parent: first,
    noVerify: !!opts.noVerify,
    event: opts.event ?? 'commit',
    extraParents: opts.extraParents,
  });
  const author = await resolveIdentity(ctx, opts.author);
  const tree = await writeTableTree(ctx, staged);
  const parents = [...(first ? [first] : []), ...(opts.extraParents ?? [])];
  const message = opts.message.endsWith('\n') ? opts.message : `${opts.message}\n`;
  const oid = await ctx.git.writeCommit({ tree, parents, message, author });
  await ctx.git.updateRef(branch ? `refs/heads/${branch}` : 'HEAD', oid, head);
  const tables = [...new Set([...staged.tables.keys(), ...parentTree.tables.keys()])]
    .filter((t) => staged.tables.get(t) !== parentTree.tables.get(t))
    .sort();
  return { oid, branch, parents, tables, configChanged: staged.config !== parentTree.config };
}

/** The commit `--amend` replaces: HEAD, which must exist. */
async function amendedCommit(ctx: RepoContext, head: string | undefined): Promise<{ parents: string[]; message: string }> {
  if (!head) throw badInput('there is no commit to amend', {}, "make a first commit with 'lakegit commit -m'");
  const c = await ctx.git.readCommit(head);
  return { parents: c.parents, message: c.message };
}
