import { badInput } from '../../errors.js';
import type { RepoContext } from '../context.js';
import { merge } from '../merge/index.js';
import type { MergeResult } from '../merge/run.js';
import { defaultRemote, getUpstream } from './config.js';
import { fetchRemote, type FetchResult } from './fetch.js';

export interface PullOptions {
  remote?: string;
  branch?: string;
  ffOnly?: boolean;
  noVerify?: boolean;
}

/** `pull`: fetch, then merge the upstream branch as `merge` does (checks, conflicts, --ff-only). */
export async function pull(ctx: RepoContext, opts: PullOptions): Promise<{ fetch: FetchResult; merge: MergeResult }> {
  const current = await ctx.git.currentBranch();
  const up = current ? await getUpstream(ctx, current) : undefined;
  const remote = opts.remote ?? up?.remote ?? (await defaultRemote(ctx));
  const branch = opts.branch ?? (up && up.remote === remote ? up.merge.replace(/^refs\/heads\//, '') : current);
  if (!branch) throw badInput('HEAD is detached: name the branch to pull', {}, 'lakegit pull origin <branch>');
  const { listed: _listed, ...fetched } = await fetchRemote(ctx, remote);
  const source = `${remote}/${branch}`;
  if (!(await ctx.git.resolveRef(`refs/remotes/${source}`)))
    throw badInput(`the remote '${remote}' has no branch '${branch}'`, { remote, branch });
  const merged = await merge(ctx, {
    source,
    ffOnly: opts.ffOnly,
    noVerify: opts.noVerify,
    message: `Merge branch '${branch}' of ${fetched.url}`,
  });
  return { fetch: fetched, merge: merged };
}
