import type { CommitInfo } from '../../store/git.js';
import type { RepoContext } from '../context.js';

/** The commits reachable from a start, each with how many of its children lie in that set. */
export interface CommitGraph {
  commits: Map<string, CommitInfo>;
  children: Map<string, number>;
}

/** Read every commit reachable from `start` (commit objects only: no trees, no rows). */
export async function loadGraph(ctx: RepoContext, start: string): Promise<CommitGraph> {
  const commits = new Map<string, CommitInfo>();
  const children = new Map<string, number>([[start, 0]]);
  const stack = [start];
  while (stack.length) {
    const oid = stack.pop()!;
    if (commits.has(oid)) continue;
    const c = await ctx.git.readCommit(oid);
    commits.set(oid, c);
    for (const p of new Set(c.parents)) {
      children.set(p, (children.get(p) ?? 0) + 1);
      if (!commits.has(p)) stack.push(p);
    }
  }
  return { commits, children };
}

/**
 * Commits newest first such that each comes after all of its descendants in the graph: what a
 * walk that hands state from a commit to its parents needs. Among the commits that are ready,
 * the latest author date goes first (ties: the one that became ready first), as `git log` does.
 */
export function* topoNewestFirst(graph: CommitGraph, start: string): Generator<CommitInfo> {
  const waiting = new Map(graph.children);
  const ready: CommitInfo[] = [graph.commits.get(start)!];
  let seq = 0;
  const order = new Map<string, number>([[start, seq++]]);
  while (ready.length) {
    let best = 0;
    for (let i = 1; i < ready.length; i++) {
      const a = ready[i];
      const b = ready[best];
      if (a.author.timestamp > b.author.timestamp || (a.author.timestamp === b.author.timestamp && order.get(a.oid)! < order.get(b.oid)!))
        best = i;
    }
    const c = ready.splice(best, 1)[0];
    yield c;
    for (const p of new Set(c.parents)) {
      const left = waiting.get(p)! - 1;
      waiting.set(p, left);
      if (left === 0) {
        order.set(p, seq++);
        ready.push(graph.commits.get(p)!);
      }
    }
  }
}
