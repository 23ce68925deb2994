import type { RepoContext } from './context.js';
import type { TableTree } from './tree.js';

/**
 * The seam where checks and hooks (lakegit.yaml) may refuse rows landing on a branch. Every write
 * path calls one of these before it writes a commit: `commit`, `revert` and `cherry-pick` call
 * `preCommitGate`, `merge` calls `preMergeGate` with the merge result, before anything is written.
 * A gate throws a LakegitError (exit 1, or 2 for a misconfigured lakegit.yaml) to refuse, or
 * returns a report the caller may show.
 */
export interface CommitGateInput {
  branch?: string; // the branch being committed to, undefined when detached
  parent?: string; // its current head
  tree: TableTree; // what would be committed
  noVerify: boolean;
  event: 'commit' | 'revert' | 'cherry-pick';
  /** A merge commit's other parents (`merge --continue`): then the target's pre-merge checks apply. */
  extraParents?: string[];
}

export interface MergeGateInput {
  targetBranch?: string;
  targetCommit?: string; // the target's head: its committed lakegit.yaml is the one that applies
  sourceRef: string; // what is being merged, as the user named it
  sourceCommit: string;
  result: TableTree; // the merged tree that would be committed
  noVerify: boolean;
  dryRun: boolean;
}

/** A branch about to be moved by something other than a commit or merge (`reset`). */
export interface RefGateInput {
  branch?: string;
  from?: string;
  to: string;
  event: 'reset';
}

export interface GateReport {
  passed: boolean;
  summary: string;
  details?: unknown;
}

type CommitGate = (ctx: RepoContext, input: CommitGateInput) => Promise<GateReport | undefined>;
type MergeGate = (ctx: RepoContext, input: MergeGateInput) => Promise<GateReport | undefined>;
type RefGate = (ctx: RepoContext, input: RefGateInput) => Promise<void>;

const commitGates: CommitGate[] = [];
const mergeGates: MergeGate[] = [];
const refGates: RefGate[] = [];

export const registerCommitGate = (g: CommitGate): void => {
  commitGates.push(g);
};
export const registerMergeGate = (g: MergeGate): void => {
  mergeGates.push(g);
};
export const registerRefGate = (g: RefGate): void => {
  refGates.push(g);
};

/**
 * The checks module registers its gates when loaded. Loading it here, not wherever a caller happens
 * to import it, means no write path can reach a branch with the gates missing.
 */
const loadChecks = () => import('./checks/index.js');

export async function preCommitGate(ctx: RepoContext, input: CommitGateInput): Promise<GateReport[]> {
  await loadChecks();
  const out: GateReport[] = [];
  for (const g of commitGates) {
    const r = await g(ctx, input);
    if (r) out.push(r);
  }
  return out;
}

export async function preMergeGate(ctx: RepoContext, input: MergeGateInput): Promise<GateReport[]> {
  await loadChecks();
  const out: GateReport[] = [];
  for (const g of mergeGates) {
    const r = await g(ctx, input);
    if (r) out.push(r);
  }
  return out;
}

export async function preRefGate(ctx: RepoContext, input: RefGateInput): Promise<void> {
  await loadChecks();
  for (const g of refGates) await g(ctx, input);
}
