import { allChunkIds } from '../../table/manifest.js';
import type { RepoContext } from '../context.js';
import { readManifest, readTableTree } from '../tree.js';

/** Every commit reachable from `starts` that this repository holds (missing objects end a walk). */
export async function reachable(ctx: RepoContext, starts: Iterable<string>, stop: Set<string> = new Set()): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...starts].filter((s) => !stop.has(s));
  while (queue.length) {
    const oid = queue.pop()!;
    if (seen.has(oid)) continue;
    const c = await ctx.git.readCommit(oid).catch(() => undefined);
    if (!c) continue;
    seen.add(oid);
    for (const p of c.parents) if (!seen.has(p) && !stop.has(p)) queue.push(p);
  }
  return seen;
}

/** The chunk ids the manifests of these commits name. */
export async function chunksOfCommits(ctx: RepoContext, commits: Iterable<string>): Promise<Set<string>> {
  const blobs = new Set<string>();
  for (const c of commits) for (const b of (await readTableTree(ctx, c)).tables.values()) blobs.add(b);
  const ids = new Set<string>();
  for (const b of blobs) for (const id of allChunkIds(await readManifest(ctx, b))) ids.add(id);
  return ids;
}

/**
 * The commits `starts` reach that `known` (commits another repository holds) do not, and the
 * boundary: the known commits they sit on. What a push must send, and whose chunks it compares with.
 */
export async function newCommits(
  ctx: RepoContext,
  starts: string[],
  known: string[],
): Promise<{ commits: Set<string>; boundary: Set<string> }> {
  const old = await reachable(ctx, known);
  const commits = await reachable(ctx, starts, old);
  const boundary = new Set<string>();
  for (const c of commits) for (const p of (await ctx.git.readCommit(c)).parents) if (old.has(p)) boundary.add(p);
  return { commits, boundary };
}
