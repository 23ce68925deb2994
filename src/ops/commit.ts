import { NothingToCommit, badInput, refused } from '../errors.js';
import type { StagingIndex } from '../store/staging.js';
import { writeChangeStats, type KnownChanges } from './change-stats.js';
import { CONFIG_FILE, type RepoContext } from './context.js';
import { failedGates, preCommitGate, type GateReport } from './gates.js';
import { resolveIdentity } from './identity.js';
import { stageAll } from './add-rm-mv.js';
import { markResolved, pendingMerge } from './merge/state.js';
import { indexTree, readTableTree, treesEqual, writeTableTree } from './tree.js';

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
  /** Concluding a merge into a protected branch that changes its checks: allowed, and recorded in a trailer. */
  allowCheckChanges?: boolean;
  /** Change counts against the first parent the caller already knows (a merge's): not counted again. */
  knownChanges?: KnownChanges;
}

export interface CommitResult {
  status: 'committed';
  oid: string;
  branch?: string;
  parents: string[];
  tables: string[];
  /** Whether lakegit.yaml (the checks) changed in this commit. */
  configChanged: boolean;
  gates: GateReport[];
}

/** A gate (failed checks, a change to a protected branch's checks) refused the commit: nothing was written. */
export interface CommitRefused {
  status: 'refused';
  branch?: string;
  gates: GateReport[];
}

export type CommitOutcome = CommitResult | CommitRefused;

/** A message ending with the trailers the gates asked for, in git's trailer block (after one blank line). */
export function withTrailers(message: string, trailers: readonly string[]): string {
  const body = message.endsWith('\n') ? message : `${message}\n`;
  const fresh = [...new Set(trailers)].filter((t) => !body.split('\n').includes(t));
  if (!fresh.length) return body;
  const lines = body.trimEnd().split('\n');
  const last = lines[lines.length - 1];
  const inBlock = lines.length > 1 && lines[lines.length - 2] === '' && /^[A-Za-z0-9-]+: /.test(last);
  return `${body.trimEnd()}\n${inBlock ? '' : '\n'}${fresh.join('\n')}\n`;
}

/** `commit`: write the staged tree as a commit and move the branch, last, with a compare-and-swap. */
export async function commit(ctx: RepoContext, opts: CommitOptions): Promise<CommitOutcome> {
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
    if (done.status === 'committed') await merging?.done();
    return done;
  });
}

/** A ref move, for callers that move it as part of a larger step (src/ops/pending.ts). */
export type RefMove = { name: string; from: string | undefined; to: string; reason?: string };

/** The commit step proper; the caller holds the lock. `moveRef` moves the branch instead of a plain compare-and-swap. */
export async function commitIndex(
  ctx: RepoContext,
  index: StagingIndex,
  optsIn: CommitOptions,
  moveRef?: (ref: RefMove) => Promise<unknown>,
): Promise<CommitOutcome> {
  const head = await ctx.git.resolveRef('HEAD');
  const amended = optsIn.amend ? await amendedCommit(ctx, head) : undefined;
  const opts = amended ? { ...optsIn, message: optsIn.message || amended.message, extraParents: amended.parents.slice(1) } : optsIn;
  if (!opts.message?.trim()) throw badInput('a commit message is required', {}, "pass -m '<message>'");
  const branch = await ctx.git.currentBranch();
  const staged = indexTree(index);
  const first = amended ? amended.parents[0] : head;
  const parentTree = await readTableTree(ctx, first);
  if (!amended && !opts.allowEmpty && !opts.extraParents?.length && head && treesEqual(staged, parentTree)) {
    throw new NothingToCommit('nothing to commit, working tree clean', {}, "use 'lakegit add' to stage changes, or --allow-empty");
  }
  const gates = await preCommitGate(ctx, {
    branch,
    tree: staged,
    parent: first,
    noVerify: !!opts.noVerify,
    event: opts.event ?? 'commit',
    extraParents: opts.extraParents,
    allowCheckChanges: opts.allowCheckChanges,
    author: opts.author,
  });
  if (failedGates(gates).length) return { status: 'refused', branch, gates };
  const author = await resolveIdentity(ctx, opts.author);
  const tree = await writeTableTree(
    ctx,
    staged,
    await writeChangeStats(ctx, first, parentTree, staged, amended ? undefined : opts.knownChanges),
  );
  const parents = [...(first ? [first] : []), ...(opts.extraParents ?? [])];
  const message = withTrailers(
    opts.message,
    gates.flatMap((g) => g.trailers ?? []),
  );
  const oid = await ctx.git.writeCommit({ tree, parents, message, author });
  const ref = { name: branch ? `refs/heads/${branch}` : 'HEAD', from: head, to: oid, reason: `${reflogLabel(opts, head)}: ${message}` };
  if (moveRef) await moveRef(ref);
  else await ctx.git.updateRef(ref.name, oid, head, ref.reason);
  const tables = [...new Set([...staged.tables.keys(), ...parentTree.tables.keys()])]
    .filter((t) => staged.tables.get(t) !== parentTree.tables.get(t))
    .sort();
  return { status: 'committed', oid, branch, parents, tables, gates, configChanged: staged.config !== parentTree.config };
}

/** The commit `--amend` replaces: HEAD, which must exist. */
async function amendedCommit(ctx: RepoContext, head: string | undefined): Promise<{ parents: string[]; message: string }> {
  if (!head) throw badInput('there is no commit to amend', {}, "make a first commit with 'lakegit commit -m'");
  const c = await ctx.git.readCommit(head);
  return { parents: c.parents, message: c.message };
}

/** The reflog's name for a commit, as git writes it: `commit (initial)`, `commit (merge)`, `revert`, `cherry-pick`. */
function reflogLabel(opts: CommitOptions, head: string | undefined): string {
  if (opts.event && opts.event !== 'commit') return opts.event;
  if (opts.extraParents?.length) return 'commit (merge)';
  return head ? 'commit' : 'commit (initial)';
}
