import type { StagingIndex } from '../../store/staging.js';
import { commitIndex } from '../commit.js';
import type { KnownChanges } from '../change-stats.js';
import type { RepoContext } from '../context.js';
import type { Strategy } from './policy.js';
import { failedGates, preMergeGate, type GateReport } from '../gates.js';
import { applyTree, planTree, refuseDirty } from './apply.js';
import { withScratch } from '../../store/journal.js';
import { runStep } from '../pending.js';
import { backupFile, beginState, finishStart, storeWrites, type MergeKind } from './state.js';
import { mergeTrees, type Conflict, type TableOutcome, type TreeInputs, type TreeMerge } from './tree.js';
import { readTableTree, treeIndex, treesEqual } from '../tree.js';
import { NothingToCommit, refused } from '../../errors.js';

export type MergeStatus =
  'up-to-date' | 'fast-forward' | 'merged' | 'conflicts' | 'dry-run' | 'applied' | 'aborted' | 'committed' | 'refused'; // a gate failed (checks, a change to a protected branch's checks): nothing was written

export interface MergeResult {
  kind: MergeKind;
  status: MergeStatus;
  source?: string;
  theirs?: string;
  base?: string | null;
  head?: string | null;
  /** The commit made, if one was. */
  commit?: string;
  tables: Omit<TableOutcome, 'sides' | 'blob' | 'recorded'>[];
  /** Conflicts left to resolve (none when `--strategy` settled them). */
  conflicts: Conflict[];
  /** Conflicts `--strategy` settled. */
  settled: number;
  /** What the gates said; with status 'refused', the failed ones say why. */
  gates: GateReport[];
}

/** One three-way operation: merge, revert or cherry-pick, as decided by the caller. */
export interface ThreeWay {
  kind: MergeKind;
  source: string;
  head: string | null;
  branch?: string;
  theirs: string; // the commit whose changes come in (recorded as MERGE_HEAD & co.)
  base: string | null;
  trees: TreeInputs;
  message: string;
  author?: string;
  strategy: Strategy;
  dryRun: boolean;
  noVerify: boolean;
  commit: boolean;
  /** `merge --squash`: stage the merged rows for a one-parent commit. */
  squash?: boolean;
  /** A merge into a protected branch may change its checks (recorded in the commit's trailer). */
  allowCheckChanges?: boolean;
  /** Change counts known before the merge (a picked commit's record), used where their manifests are the commit's. */
  known?: KnownChanges;
}

const publicTables = (t: TableOutcome[]) =>
  t.filter((x) => x.status !== 'unchanged' || x.conflicts).map(({ sides: _s, blob: _b, recorded: _r, ...rest }) => rest);

/** The counts the row merges already know, per table, against ours (the merge commit's first parent). */
const knownChanges = (t: TableOutcome[]): KnownChanges =>
  new Map(
    t.flatMap((x) =>
      x.recorded && x.sides.ours && x.blob ? [[x.table, { before: x.sides.ours.blob, after: x.blob, ...x.recorded }]] : [],
    ),
  );

/**
 * Merge, gate, then either commit and update the working files, or (with conflicts) save the
 * state and leave the merged rows — conflicting cells showing ours — in the index and the files.
 * Whatever the stores gained is removed again if the operation is refused, fails or is a dry run.
 * Caller holds the lock.
 */
export function runThreeWay(ctx: RepoContext, w: ThreeWay): Promise<MergeResult> {
  // Once the step is recorded the new commit is published (the next command completes it): a failure
  // after that keeps what it references.
  return withScratch(
    () => settleThreeWay(ctx, w),
    (r) => r.status === 'dry-run' || r.status === 'refused',
    async () => !(await ctx.hasPendingStep()),
  );
}

async function settleThreeWay(ctx: RepoContext, w: ThreeWay): Promise<MergeResult> {
  const index = await ctx.staging.read();
  const merged = await mergeTrees(ctx, w.trees, w.strategy);
  const what = w.kind === 'merge' ? 'the merge' : `the ${w.kind}`;
  await refuseDirty(ctx, index, w.trees.ours, merged.tree, what);
  if (w.kind !== 'merge' && !merged.conflicts.length && treesEqual(merged.tree, w.trees.ours)) {
    throw new NothingToCommit(`${w.kind} of ${w.theirs.slice(0, 7)} changes nothing: HEAD already has that result`, { commit: w.theirs });
  }
  const conflicts = w.strategy ? [] : merged.conflicts;
  const base: MergeResult = {
    kind: w.kind,
    status: 'merged',
    source: w.source,
    theirs: w.theirs,
    base: w.base,
    head: w.head,
    tables: publicTables(merged.tables),
    conflicts,
    settled: w.strategy ? merged.conflicts.length : 0,
    gates: [],
  };
  const gate = (dryRun: boolean) =>
    preMergeGate(ctx, {
      targetBranch: w.branch,
      targetCommit: w.head ?? undefined,
      sourceRef: w.source,
      sourceCommit: w.theirs,
      result: merged.tree,
      noVerify: w.noVerify,
      dryRun,
      allowCheckChanges: w.allowCheckChanges,
      author: w.author,
    });
  if (w.dryRun) {
    const gates = w.kind === 'merge' ? await gate(true) : [];
    return { ...base, status: 'dry-run', gates };
  }
  if (conflicts.length) return startConflicted(ctx, w, index, merged, base);
  const gates = w.kind === 'merge' ? await gate(false) : [];
  if (failedGates(gates).length) return refuse({ ...base, gates });
  let commit: string | undefined;
  // The branch, the index and the working files move as one recorded step (src/ops/pending.ts).
  const { removed: _removed, ...plan } = await planTree(ctx, index, w.trees.ours, merged.tree);
  if (w.commit) {
    const done = await commitIndex(
      ctx,
      treeIndex(merged.tree),
      {
        message: w.message,
        author: w.author,
        noVerify: w.noVerify,
        extraParents: w.kind === 'merge' ? [w.theirs] : undefined,
        event: w.kind === 'merge' ? undefined : w.kind,
        allowCheckChanges: w.allowCheckChanges,
        knownChanges: new Map([...(w.known ?? []), ...knownChanges(merged.tables)]),
      },
      (ref) => runStep(ctx, { verb: w.kind, ...plan, ref }),
    );
    if (done.status === 'refused') return refuse({ ...base, gates: w.kind === 'merge' ? gates : done.gates });
    commit = done.oid;
  } else await runStep(ctx, { verb: w.kind, ...plan });
  return { ...base, status: w.commit ? 'merged' : 'applied', commit, gates };
}

/** A gate refused: the result says why (runThreeWay's scratch scope removes what the stores gained). */
const refuse = (result: MergeResult): MergeResult => ({ ...result, status: 'refused', commit: undefined });

async function startConflicted(
  ctx: RepoContext,
  w: ThreeWay,
  index: StagingIndex,
  merged: TreeMerge,
  base: MergeResult,
): Promise<MergeResult> {
  // Each conflicting table's pairing is kept so `resolve` can merge it again with a side chosen.
  const tables = Object.fromEntries(merged.tables.filter((t) => t.conflicts).map((t) => [t.table, t.sides]));
  const state = await beginState(ctx, {
    kind: w.kind,
    source: w.source,
    theirs: w.theirs,
    head: w.head,
    message: w.message,
    author: w.author,
    tables,
    ...(w.squash ? { squash: true } : {}),
  });
  await applyTree(ctx, index, w.trees.ours, merged.tree, (file) => backupFile(ctx, state, file));
  await ctx.staging.write(index);
  state.created = storeWrites(ctx);
  await finishStart(ctx, state, base.conflicts);
  return { ...base, status: 'conflicts' };
}

/** Fast-forward: the working files and index move to `theirs`, then the branch does. Caller holds the lock. */
export async function fastForward(
  ctx: RepoContext,
  w: Omit<ThreeWay, 'trees' | 'base' | 'strategy' | 'commit' | 'message'>,
): Promise<MergeResult> {
  const [ours, theirs, index] = [
    await readTableTree(ctx, w.head ?? undefined),
    await readTableTree(ctx, w.theirs),
    await ctx.staging.read(),
  ];
  await refuseDirty(ctx, index, ours, theirs, 'the merge');
  const gates = await preMergeGate(ctx, {
    targetBranch: w.branch,
    targetCommit: w.head ?? undefined,
    sourceRef: w.source,
    sourceCommit: w.theirs,
    result: theirs,
    noVerify: w.noVerify,
    dryRun: w.dryRun,
    allowCheckChanges: w.allowCheckChanges,
    author: w.author,
  });
  const changed = [...new Set([...ours.tables.keys(), ...theirs.tables.keys()])]
    .filter((t) => ours.tables.get(t) !== theirs.tables.get(t))
    .sort();
  const tables = changed.map((table) => ({
    table,
    status: (!ours.tables.has(table) ? 'added' : !theirs.tables.has(table) ? 'removed' : 'modified') as TableOutcome['status'],
    conflicts: 0,
  }));
  const result: MergeResult = {
    kind: 'merge',
    status: w.dryRun ? 'dry-run' : 'fast-forward',
    source: w.source,
    theirs: w.theirs,
    head: w.head,
    tables,
    conflicts: [],
    settled: 0,
    gates,
  };
  if (w.dryRun) return result;
  if (failedGates(gates).length) return { ...result, status: 'refused' };
  const { removed: _removed, ...plan } = await planTree(ctx, index, ours, theirs);
  await runStep(ctx, {
    verb: 'merge',
    ...plan,
    ref: {
      name: w.branch ? `refs/heads/${w.branch}` : 'HEAD',
      from: w.head ?? undefined,
      to: w.theirs,
      reason: `merge ${w.source}: Fast-forward`,
    },
  });
  return { ...result, commit: w.theirs };
}
