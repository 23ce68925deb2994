import { UnknownBranch } from '../errors.js';
import { readConfig, setConfig } from './config.js';
import type { RepoContext } from './context.js';

/**
 * Protected branches, kept in the repository config as `branch.<name>.protected = true`. A
 * protected branch takes no direct commit, reset, revert or cherry-pick; only merges whose checks
 * pass, and `--no-verify` cannot skip those (enforced by the gates in src/ops/checks/).
 */
const key = (branch: string) => `branch.${branch}.protected`;

export async function isProtected(ctx: RepoContext, branch: string | undefined): Promise<boolean> {
  if (!branch) return false;
  return (await readConfig(ctx))[key(branch)] === 'true';
}

export async function protectedBranches(ctx: RepoContext): Promise<string[]> {
  const config = await readConfig(ctx);
  return Object.keys(config)
    .filter((k) => /^branch\..+\.protected$/.test(k) && config[k] === 'true')
    .map((k) => k.slice('branch.'.length, -'.protected'.length))
    .sort();
}

/** `protect` / `unprotect`; returns whether anything changed. */
export async function setProtected(ctx: RepoContext, branch: string, on: boolean): Promise<boolean> {
  return ctx.locked(async () => {
    if (on && !(await ctx.git.resolveRef(`refs/heads/${branch}`))) {
      throw new UnknownBranch(branch);
    }
    if ((await isProtected(ctx, branch)) === on) return false;
    await setConfig(ctx, key(branch), on ? 'true' : undefined);
    return true;
  });
}
