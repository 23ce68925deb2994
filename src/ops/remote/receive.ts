import { mergeChecks } from '../verify/gates.js';
import type { PassNote } from '../checks/notes.js';
import { failureSummary, type CheckReport } from '../checks/report.js';
import type { RepoContext } from '../context.js';
import { isProtected } from '../protect.js';
import { readManifest, readTableTree } from '../tree.js';
import { allChunkIds } from '../../table/manifest.js';
import { allowanceOf, ALLOW_CHECK_CHANGES_TRAILER, checkPolicyOf, policyChanges } from './receive-policy.js';

/** One line of what git feeds `pre-receive`: `<old> <new> <ref>`. */
export interface RefUpdate {
  old: string;
  new: string;
  ref: string;
}

export interface PolicyStep {
  commit: string;
  changed: string[]; // paths of lakegit.yaml / hook scripts that this commit changes
  allowedBy?: string; // the trailer's value
}

export interface ReceiveVerdict {
  ref: string;
  branch?: string;
  protected: boolean;
  accepted: boolean;
  reason: string;
  hint?: string;
  /** The failing (or, when accepted, last) check report, and for a failure its plain-text account. */
  report?: CheckReport;
  /** Accepted: the row-local checks the new tip passed, for post-receive to record (receive-record.ts). */
  passes?: PassNote['tables'];
  summary?: string;
  policy: PolicyStep[];
}

const ZERO = /^0{40}$/;
/** The refs of recorded passes (`refs/notes/lakegit-checks`, and any later kind): written by this repository's hooks only. */
const RECORD_PREFIX = 'refs/notes/lakegit-';
const short = (oid: string) => oid.slice(0, 7);
/** How far back a pushed range is walked by first parents before it is taken as one step. */
const MAX_STEPS = 1000;

/**
 * What the server-side `pre-receive` hook decides for one push. A ref that is not a branch
 * protected in this repository passes untouched. A protected branch moves only forward, and each
 * step of the pushed first-parent chain is held to what a local merge into that branch would be:
 * the step's result must pass the checks of the branch's committed lakegit.yaml as it stood
 * before the step (as `check <new> --into <branch>`), and a step that changes the check policy
 * (lakegit.yaml or a versioned hook script) must carry the allowance trailer. Only the steps that
 * change the policy and the last one are checked: between them the policy is the same, and the
 * last step's rows are what the branch will hold. Every check runs in full (a repository made
 * before pushes to its notes were refused may hold notes anyone pushed). No push may change the
 * passes this repository records (`refs/notes/lakegit-*`): only its own hooks write them.
 */
export async function judgePush(ctx: RepoContext, updates: RefUpdate[]): Promise<ReceiveVerdict[]> {
  const out: ReceiveVerdict[] = [];
  for (const u of updates) out.push(await judgeOne(ctx, u));
  return out;
}

async function judgeOne(ctx: RepoContext, u: RefUpdate): Promise<ReceiveVerdict> {
  if (u.ref.startsWith(RECORD_PREFIX)) {
    return {
      ref: u.ref,
      protected: true,
      accepted: false,
      reason: `${u.ref} holds the checks this repository saw pass: only its own hooks write it, no push may change it`,
      policy: [],
    };
  }
  const branch = u.ref.startsWith('refs/heads/') ? u.ref.slice('refs/heads/'.length) : undefined;
  if (!branch || !(await isProtected(ctx, branch))) {
    return { ref: u.ref, branch, protected: false, accepted: true, reason: 'not protected here', policy: [] };
  }
  const refuse = (reason: string, hint?: string, extra: Partial<ReceiveVerdict> = {}): ReceiveVerdict => ({
    ref: u.ref,
    branch,
    protected: true,
    accepted: false,
    reason,
    hint,
    policy: [],
    ...extra,
  });
  if (ZERO.test(u.new)) return refuse(`branch '${branch}' is protected: it cannot be deleted by a push`);
  if (ZERO.test(u.old)) {
    return refuse(`branch '${branch}' is protected but does not exist here: it cannot be created by a push`, 'an administrator creates it');
  }
  if (!(await ctx.git.isAncestor(u.old, u.new))) {
    return refuse(
      `branch '${branch}' is protected: ${short(u.old)}..${short(u.new)} is not a fast-forward, and --force cannot rewrite it`,
      `pull, merge, and push again`,
    );
  }
  const steps = await firstParentSteps(ctx, u.old, u.new);
  const policy: PolicyStep[] = [];
  let report: CheckReport | undefined;
  let passes: PassNote['tables'] | undefined;
  for (const [i, [parent, child]] of steps.entries()) {
    const changed = policyChanges(await checkPolicyOf(ctx, parent), await checkPolicyOf(ctx, child));
    const last = i === steps.length - 1;
    if (!changed.length && !last) continue;
    if (changed.length) {
      const allowedBy = allowanceOf((await ctx.git.readCommit(child)).message);
      policy.push({ commit: child, changed, allowedBy });
      if (!allowedBy) {
        return refuse(
          `${short(child)} changes the checks of protected branch '${branch}' (${changed.join(', ')}) without the allowance`,
          `merge with --allow-check-changes (it records '${ALLOW_CHECK_CHANGES_TRAILER}: <who>' in the commit), then push`,
          { policy },
        );
      }
    }
    const missing = await missingChunks(ctx, u.old, child);
    if (missing.length) {
      return refuse(
        `the chunk store lacks ${missing.length} chunk(s) that ${short(child)} needs (first: ${missing[0]})`,
        'a push uploads chunks before refs: push again with lakegit',
        { policy },
      );
    }
    ({ report, passes } = await mergeChecks(ctx, {
      targetBranch: branch,
      targetCommit: parent,
      sourceRef: short(child),
      sourceCommit: child,
      result: await readTableTree(ctx, child),
      full: true,
    }));
    if (!report.passed) {
      return refuse(
        `${short(child)} fails the checks of protected branch '${branch}'`,
        `run 'lakegit check ${short(child)} --into ${branch}'`,
        {
          report,
          summary: failureSummary(report, `push to '${branch}' refused`),
          policy,
        },
      );
    }
  }
  return { ref: u.ref, branch, protected: true, accepted: true, reason: 'checks passed', report, passes, policy };
}

/**
 * The pushed range as steps [parent, child] along first parents, oldest first, as the merges
 * that made it would have landed; a range whose first parents do not lead back to `old` is one step.
 */
async function firstParentSteps(ctx: RepoContext, old: string, tip: string): Promise<[string, string][]> {
  const chain: string[] = [tip];
  let cur = tip;
  while (cur !== old && chain.length <= MAX_STEPS) {
    const parent = (await ctx.git.readCommit(cur)).parents[0];
    if (!parent) break;
    chain.push(parent);
    cur = parent;
  }
  if (cur !== old) return [[old, tip]];
  chain.reverse();
  return chain.slice(1).map((c, i) => [chain[i], c]);
}

/** Chunks that the tables changed between `old` and `tip` name and the chunk store (a bucket's, not its local cache) does not hold. */
async function missingChunks(ctx: RepoContext, old: string, tip: string): Promise<string[]> {
  const before = await readTableTree(ctx, old);
  const after = await readTableTree(ctx, tip);
  const out: string[] = [];
  for (const [name, blob] of after.tables) {
    if (before.tables.get(name) === blob) continue;
    for (const id of allChunkIds(await readManifest(ctx, blob))) if (!(await (ctx.chunks.source ?? ctx.chunks).has(id))) out.push(id);
  }
  return out;
}
