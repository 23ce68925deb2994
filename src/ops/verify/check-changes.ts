import { baselineAt } from '../checks/run.js';
import type { CheckResult } from '../checks/report.js';
import type { RepoContext } from '../context.js';
import type { GateReport, MergeGateInput } from '../gates.js';
import { formatIdentity, resolveIdentity } from '../identity.js';
import { emptyTree, type TableTree } from '../tree.js';
import { CONFIG_FILE } from '../context.js';

/** The trailer a merge commit carries when it changed a protected branch's checks (the server-side hook reads it). */
export const ALLOW_CHECK_CHANGES_TRAILER = 'Lakegit-Allow-Check-Changes';

/**
 * What a merge result changes of the target's policy: lakegit.yaml, and the hook scripts that
 * live in the repository (committed beside it). A protected branch's checks change only when
 * someone says so (`--allow-check-changes`): otherwise a branch whose rows pass could switch the
 * checks off, and the next branch land anything ("two-step weakening").
 */
export function policyChanges(target: TableTree, result: TableTree): string[] {
  const out: string[] = [];
  if (target.config !== result.config) out.push(CONFIG_FILE);
  const a = target.scripts ?? new Map<string, string>();
  const b = result.scripts ?? new Map<string, string>();
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) if (a.get(p) !== b.get(p)) out.push(p);
  return out;
}

async function targetTree(ctx: RepoContext, commit: string | undefined): Promise<TableTree> {
  return (await baselineAt(ctx, commit))?.tree ?? emptyTree();
}

/** The merge gate's part for a protected target: undefined when the checks stay as they are. */
export async function checkChangesGate(ctx: RepoContext, input: MergeGateInput): Promise<GateReport | undefined> {
  const changed = policyChanges(await targetTree(ctx, input.targetCommit), input.result);
  if (!changed.length) return undefined;
  const what = `the checks of protected branch '${input.targetBranch}' (${changed.join(', ')})`;
  if (!input.allowCheckChanges) {
    return {
      gate: 'check-changes',
      passed: false,
      summary: `changes ${what}`,
      message: `merge of '${input.sourceRef}' into '${input.targetBranch}' refused: it changes ${what}`,
      hint: 'review the change; pass --allow-check-changes to merge it anyway (the merge commit records who allowed it)',
    };
  }
  const who = input.dryRun ? undefined : formatIdentity(await resolveIdentity(ctx, input.author));
  return {
    gate: 'check-changes',
    passed: true,
    summary: `changes ${what}: allowed by --allow-check-changes${who ? ` (${who})` : ''}`,
    ...(who ? { trailers: [`${ALLOW_CHECK_CHANGES_TRAILER}: ${who}`] } : {}),
  };
}

/** `check --into` a protected branch: the same policy change, as a failing item of the report (passing when allowed). */
export async function checkChangesItem(
  ctx: RepoContext,
  into: string,
  targetCommit: string,
  result: TableTree,
  allowed: boolean,
): Promise<CheckResult | undefined> {
  const changed = policyChanges(await targetTree(ctx, targetCommit), result);
  if (!changed.length) return undefined;
  return {
    table: null,
    check: `policy(${changed.join(', ')})`,
    kind: 'policy',
    passed: allowed,
    violations: allowed ? 0 : changed.length,
    sample: [],
    mode: 'full',
    message: `the merge changes the checks of protected branch '${into}' (${changed.join(', ')})${allowed ? ': allowed by --allow-check-changes' : '; a merge needs --allow-check-changes'}`,
  };
}
