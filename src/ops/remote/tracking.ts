import type { RepoContext } from '../context.js';
import { getUpstream, trackingRef } from './config.js';
import { reachable } from './graph.js';

export interface UpstreamStatus {
  /** The remote-tracking branch, `origin/main`. */
  ref: string;
  ahead: number;
  behind: number;
  /** The remote-tracking branch does not exist (never fetched, or deleted on the remote). */
  gone: boolean;
}

/** How far `branch` is ahead of and behind its upstream, as of the last fetch; undefined without one. */
export async function upstreamStatus(ctx: RepoContext, branch: string | undefined): Promise<UpstreamStatus | undefined> {
  const up = branch ? await getUpstream(ctx, branch) : undefined;
  if (!branch || !up) return undefined;
  const tracking = trackingRef(up);
  const ref = tracking.slice('refs/remotes/'.length);
  const theirs = await ctx.git.resolveRef(tracking);
  const ours = await ctx.git.resolveRef(`refs/heads/${branch}`);
  if (!theirs) return { ref, ahead: 0, behind: 0, gone: true };
  if (!ours || ours === theirs) return { ref, ahead: 0, behind: ours ? 0 : (await reachable(ctx, [theirs])).size, gone: false };
  const [mine, remote] = [await reachable(ctx, [ours]), await reachable(ctx, [theirs])];
  const count = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).length;
  return { ref, ahead: count(mine, remote), behind: count(remote, mine), gone: false };
}
