import type { CheckReport } from './checks/report.js';
import type { RepoContext } from './context.js';
import type { TableTree } from './tree.js';

/**
 * The seam where checks and hooks (lakegit.yaml) may refuse rows landing on a branch. Every write
 * path calls one of these before it writes a commit: `commit`, `revert` and `cherry-pick` call
 * `preCommitGate`, `merge` calls `preMergeGate` with the merge result, before anything is written.
 * A gate that fails returns a report with `passed: false` — a result the caller hands back to the
 * user (as a conflict is), writing nothing; it throws only for misuse (a protected branch's direct
 * commit, a misconfigured lakegit.yaml).
 *
 * The gates themselves (src/ops/verify/) sit above merge and commit, which call them through
 * this module: the API layer installs them (src/repo.ts), so the import graph has no cycle.
 */
export interface CommitGateInput {
  branch?: string; // the branch being committed to, undefined when detached
  parent?: string; // its current head
  tree: TableTree; // what would be committed
  noVerify: boolean;
  event: 'commit' | 'revert' | 'cherry-pick';
  /** A merge commit's other parents (`merge --continue`): then the target's pre-merge checks apply. */
  extraParents?: string[];
  /** Let a merge change a protected branch's checks (recorded as a trailer of the commit). */
  allowCheckChanges?: boolean;
  /** The committer, as `--author` gave it: who allowed a check change. */
  author?: string;
}

export interface MergeGateInput {
  targetBranch?: string;
  targetCommit?: string; // the target's head: its committed lakegit.yaml is the one that applies
  sourceRef: string; // what is being merged, as the user named it
  sourceCommit: string;
  result: TableTree; // the merged tree that would be committed
  noVerify: boolean;
  dryRun: boolean;
  allowCheckChanges?: boolean;
  author?: string;
}

/** A branch about to be moved by something other than a commit or merge (`reset`). */
export interface RefGateInput {
  branch?: string;
  from?: string;
  to: string;
  event: 'reset';
}

/** One gate's outcome. A failed one refuses the operation; the report says why, in every format. */
export interface GateReport {
  gate: 'checks' | 'check-changes';
  passed: boolean;
  /** One line, e.g. "12 check(s) of lakegit.yaml at main passed". */
  summary: string;
  /** For a failure: the full account (each failing check, samples) and what to do. */
  message?: string;
  hint?: string;
  /** The checks' report, for the `checks` gate. */
  report?: CheckReport;
  /** Lines the commit message must end with (`Lakegit-Allow-Check-Changes: …`). */
  trailers?: string[];
}

type CommitGate = (ctx: RepoContext, input: CommitGateInput) => Promise<GateReport[]>;
type MergeGate = (ctx: RepoContext, input: MergeGateInput) => Promise<GateReport[]>;
type RefGate = (ctx: RepoContext, input: RefGateInput) => Promise<void>;

export interface Gates {
  commitGate: CommitGate;
  mergeGate: MergeGate;
  refGate: RefGate;
}

let loadGates: (() => Promise<Gates>) | undefined;

/** Called once by the API layer, with a loader (the gates load only when a write needs them). */
export function installGates(load: () => Promise<Gates>): void {
  loadGates = load;
}

/** No write path may reach a branch with the gates missing: without them, writing is a bug. */
async function gates(): Promise<Gates> {
  if (!loadGates) throw new Error('lakegit: no gates are installed (use the Repo API, which installs them)');
  return loadGates();
}

export const failedGates = (reports: readonly GateReport[]): GateReport[] => reports.filter((g) => !g.passed);

export async function preCommitGate(ctx: RepoContext, input: CommitGateInput): Promise<GateReport[]> {
  return (await gates()).commitGate(ctx, input);
}

export async function preMergeGate(ctx: RepoContext, input: MergeGateInput): Promise<GateReport[]> {
  return (await gates()).mergeGate(ctx, input);
}

export async function preRefGate(ctx: RepoContext, input: RefGateInput): Promise<void> {
  return (await gates()).refGate(ctx, input);
}
