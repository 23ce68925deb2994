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
  /** What is committing, for the pre-commit gate. */
  event?: 'commit' | 'revert' | 'cherry-pick';
}

export interface CommitResult {
  oid: string;
  branch?: string;
  parents: string[];
  tables: string[];
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
    const done = await commitIndex(
      ctx,
      index,
      merging ? { ...opts, extraParents: merging.extraParents, event: merging.event ?? opts.event } : opts,
    );
    await merging?.done();
    return done;
  });
}

/** A ref move, for callers that move it as part of a larger step (src/ops/pending.ts). */
export type RefMove = { name: string; from: string | undefined; to: string };

/** The commit step proper; the caller holds the lock. `moveRef` moves the branch instead of a plain compare-and-swap. */
export async function commitIndex(
  ctx: RepoContext,
  index: StagingIndex,
  opts: CommitOptions,
  moveRef?: (ref: RefMove) => Promise<unknown>,
): Promise<CommitResult> {
  if (!opts.message?.trim()) throw badInput('a commit message is required', {}, "pass -m '<message>'");
  const head = await ctx.git.resolveRef('HEAD');
  const branch = await ctx.git.currentBranch();
  const staged = indexTree(index);
  const parentTree = await readTableTree(ctx, head);
  if (!opts.allowEmpty && !opts.extraParents?.length && head && treesEqual(staged, parentTree)) {
    throw refused('nothing to commit, working tree clean', {}, "use 'lakegit add' to stage changes, or --allow-empty");
  }
  await preCommitGate(ctx, {
    branch,
    tree: staged,
    parent: head,
    noVerify: !!opts.noVerify,
    event: opts.event ?? 'commit',
    extraParents: opts.extraParents,
  });
  const author = await resolveIdentity(ctx, opts.author);
  const tree = await writeTableTree(ctx, staged);
  const parents = [...(head ? [head] : []), ...(opts.extraParents ?? [])];
  const message = opts.message.endsWith('\n') ? opts.message : `${opts.message}\n`;
  const oid = await ctx.git.writeCommit({ tree, parents, message, author });
  const ref = { name: branch ? `refs/heads/${branch}` : 'HEAD', from: head, to: oid };
  if (moveRef) await moveRef(ref);
  else await ctx.git.updateRef(ref.name, oid, head);
  const tables = [...new Set([...staged.tables.keys(), ...parentTree.tables.keys()])]
    .filter((t) => staged.tables.get(t) !== parentTree.tables.get(t))
    .sort();
  return { oid, branch, parents, tables };
}
