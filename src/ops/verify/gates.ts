import { refused } from '../../errors.js';
import { baselineAt, runChecks } from '../checks/run.js';
import { guardingRemote, recordPasses, type PassNote } from '../checks/notes.js';
import { failureSummary, type CheckReport } from '../checks/report.js';
import type { RepoContext } from '../context.js';
import type { CommitGateInput, GateReport, Gates, MergeGateInput, RefGateInput } from '../gates.js';
import { isProtected } from '../protect.js';
import { emptyTree, writeTableTree, type TableTree } from '../tree.js';
import { checkChangesGate } from './check-changes.js';
import { renamesInto } from './renames.js';

const short = (oid: string | undefined) => (oid ? oid.slice(0, 7) : '(none)');
const treeKey = (t: TableTree) => JSON.stringify([[...t.tables].sort(), t.config ?? null]);

export interface MergeCheckInput {
  targetBranch?: string;
  targetCommit?: string;
  sourceRef: string;
  sourceCommit: string;
  result: TableTree;
  full?: boolean;
}

/**
 * A merge and the commit that records it (`merge`, then `commitIndex` with two parents; or
 * `merge --continue`) would run the same checks twice, hooks included: remember passing runs.
 */
const passedMerges = new Map<string, CheckReport>();

/**
 * The target's committed lakegit.yaml, never the source's, run over the merge result: a branch
 * that edits or deletes lakegit.yaml is still held to the checks of the branch it merges into.
 */
export async function mergeChecks(ctx: RepoContext, m: MergeCheckInput): Promise<{ report: CheckReport; passes: PassNote['tables'] }> {
  const memo = `${m.targetCommit ?? ''}|${treeKey(m.result)}`;
  const known = m.full ? undefined : passedMerges.get(memo);
  if (known) return { report: known, passes: {} };
  const baseline = await baselineAt(ctx, m.targetCommit, m.full ? undefined : await guardingRemote(ctx, m.targetBranch));
  const targetTree = baseline?.tree ?? emptyTree();
  const renames = await renamesInto(ctx, targetTree, m.result);
  const targetName = m.targetBranch ?? short(m.targetCommit);
  const out = await runChecks(ctx, {
    event: 'pre-merge',
    config: targetTree.config,
    configTree: targetTree,
    origin: `lakegit.yaml at ${targetName}`,
    candidate: m.result,
    candidateCommit: m.sourceCommit,
    into: m.targetBranch,
    full: m.full,
    baseline,
    renames,
    hooks: { event: 'pre-merge', sourceRef: m.sourceRef, targetRef: m.targetBranch ?? m.targetCommit ?? '', commit: m.sourceCommit },
  });
  if (out.report.passed) passedMerges.set(memo, out.report);
  return out;
}

const summary = (r: CheckReport) =>
  r.passed
    ? `${r.checks.length} check(s) of ${r.config} passed`
    : `${r.checks.filter((c) => !c.passed).length} of ${r.checks.length} check(s) of ${r.config} failed`;

/** Passing checks are noted on the tree the commit is about to record (the commit id is not known yet). */
async function notePasses(ctx: RepoContext, tree: TableTree, passes: PassNote['tables']): Promise<void> {
  if (Object.keys(passes).length === 0) return;
  await recordPasses(ctx, await writeTableTree(ctx, tree), passes);
}

const checksReport = (report: CheckReport, refusal: string, hint: string): GateReport => ({
  gate: 'checks',
  passed: report.passed,
  summary: summary(report),
  report,
  ...(report.passed ? {} : { message: failureSummary(report, refusal), hint }),
});

export async function mergeGate(ctx: RepoContext, input: MergeGateInput): Promise<GateReport[]> {
  const guarded = await isProtected(ctx, input.targetBranch);
  if (input.noVerify && guarded) {
    throw refused(
      `branch '${input.targetBranch}' is protected: --no-verify cannot skip the checks of a merge into it`,
      { branch: input.targetBranch },
      'merge without --no-verify',
    );
  }
  if (input.noVerify) return [];
  const out: GateReport[] = [];
  if (guarded) {
    const policy = await checkChangesGate(ctx, input);
    if (policy) out.push(policy);
  }
  const { report, passes } = await mergeChecks(ctx, input);
  const into = input.targetBranch ? `'${input.targetBranch}'` : 'HEAD';
  out.push(
    checksReport(
      report,
      `merge of '${input.sourceRef}' into ${into} refused`,
      `run 'lakegit check ${input.sourceRef} --into ${input.targetBranch ?? 'HEAD'}' for the full report`,
    ),
  );
  if (report.passed && !input.dryRun && out.every((g) => g.passed)) await notePasses(ctx, input.result, passes);
  return out;
}

export async function commitGate(ctx: RepoContext, input: CommitGateInput): Promise<GateReport[]> {
  if (input.extraParents?.length) {
    return mergeGate(ctx, {
      targetBranch: input.branch,
      targetCommit: input.parent,
      sourceRef: input.extraParents[0].slice(0, 7),
      sourceCommit: input.extraParents[0],
      result: input.tree,
      noVerify: input.noVerify,
      dryRun: false,
      allowCheckChanges: input.allowCheckChanges,
      author: input.author,
    });
  }
  if (await isProtected(ctx, input.branch)) {
    throw refused(
      `branch '${input.branch}' is protected: it takes no direct ${input.event}`,
      { branch: input.branch },
      `do it on another branch ('lakegit checkout -b <name>') and merge that into '${input.branch}'`,
    );
  }
  if (input.noVerify) return [];
  const { report, passes } = await runChecks(ctx, {
    event: 'pre-commit',
    config: input.tree.config,
    configTree: input.tree,
    origin: 'lakegit.yaml being committed',
    candidate: input.tree,
    baseline: await baselineAt(ctx, input.parent),
    hooks: { event: 'pre-commit', sourceRef: input.branch ?? 'HEAD', targetRef: input.branch ?? 'HEAD', commit: input.parent ?? '' },
  });
  if (report.passed) await notePasses(ctx, input.tree, passes);
  return [
    checksReport(
      report,
      `${input.event} refused by pre-commit checks`,
      'fix the rows (or lakegit.yaml), or pass --no-verify to skip the checks',
    ),
  ];
}

export async function refGate(ctx: RepoContext, input: RefGateInput): Promise<void> {
  if (await isProtected(ctx, input.branch)) {
    throw refused(
      `branch '${input.branch}' is protected: it cannot be ${input.event === 'reset' ? 'reset' : 'moved'} directly`,
      { branch: input.branch },
      `unprotect it first ('lakegit unprotect ${input.branch}') if you really mean to`,
    );
  }
}

export const gates: Gates = { commitGate, mergeGate, refGate };
