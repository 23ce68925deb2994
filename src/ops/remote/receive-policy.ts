import type { RepoContext } from '../context.js';
import { STATS_FILE } from '../tree.js';
import { ALLOW_CHECK_CHANGES_TRAILER } from '../verify/check-changes.js';

/**
 * The check policy a commit carries: everything in its tree that is not table data — today
 * `lakegit.yaml`, and the hook scripts versioned with it wherever they are kept. Changing any of
 * it on a protected branch needs the explicit allowance, so no script a hook runs can be swapped
 * without it either.
 */
export type CheckPolicy = Map<string, string>; // path in the commit's tree → object id

// The trailer a local `merge --allow-check-changes` writes: one name, defined beside that gate.
export { ALLOW_CHECK_CHANGES_TRAILER };

export async function checkPolicyOf(ctx: RepoContext, commit: string): Promise<CheckPolicy> {
  const out: CheckPolicy = new Map();
  for (const e of await ctx.git.readTree((await ctx.git.readCommit(commit)).tree)) {
    if (e.path !== 'tables' && e.path !== STATS_FILE) out.set(e.path, e.oid);
  }
  return out;
}

/** The paths whose policy content differs, sorted. */
export function policyChanges(before: CheckPolicy, after: CheckPolicy): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
}

/**
 * Who allowed a check-policy change, from the commit message's trailer
 * `Lakegit-Allow-Check-Changes: <who>` (written by `merge --allow-check-changes`); undefined
 * when the commit carries none.
 */
export function allowanceOf(message: string): string | undefined {
  const re = new RegExp(`^${ALLOW_CHECK_CHANGES_TRAILER}:[ \\t]*(\\S.*?)\\s*$`, 'im');
  return re.exec(message)?.[1];
}
