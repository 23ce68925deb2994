import type { CommitInfo } from '../store/git.js';
import type { RepoContext } from './context.js';
import { formatIdentity } from './identity.js';
import { resolveCommit } from './revisions.js';
import { readTableTree, type TableTree } from './tree.js';

export interface LogEntry {
  commit: string;
  parents: string[];
  author: string;
  date: string;
  message: string;
  tables: string[];
}

export interface LogOptions {
  rev?: string;
  n?: number;
  table?: string;
  filter?: (c: CommitInfo, parentTree: TableTree, tree: TableTree) => Promise<boolean>;
}

export const isoDate = (c: Pick<CommitInfo, 'author'>): string => new Date(c.author.timestamp * 1000).toISOString().replace('.000Z', 'Z');

/** Tables whose manifest differs between two trees. */
export function changedTables(before: TableTree, after: TableTree): string[] {
  return [...new Set([...before.tables.keys(), ...after.tables.keys()])].filter((t) => before.tables.get(t) !== after.tables.get(t)).sort();
}

/** Commits reachable from `rev`, newest first (by author date, as `git log` orders them). */
export async function* walkCommits(ctx: RepoContext, start: string): AsyncGenerator<CommitInfo> {
  const seen = new Set<string>([start]);
  const queue: CommitInfo[] = [await ctx.git.readCommit(start)];
  while (queue.length) {
    queue.sort((a, b) => b.author.timestamp - a.author.timestamp);
    const c = queue.shift()!;
    yield c;
    for (const p of c.parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      queue.push(await ctx.git.readCommit(p));
    }
  }
}

/** `log`: history from a revision, optionally only commits that touched a table. No DuckDB. */
export async function log(ctx: RepoContext, opts: LogOptions = {}): Promise<LogEntry[]> {
  const start = opts.rev ? await resolveCommit(ctx, opts.rev) : await ctx.git.resolveRef('HEAD');
  if (!start) return [];
  const out: LogEntry[] = [];
  for await (const c of walkCommits(ctx, start)) {
    if (opts.n !== undefined && out.length >= opts.n) break;
    const tree = await readTableTree(ctx, c.oid);
    const parentTree = await readTableTree(ctx, c.parents[0]);
    const tables = changedTables(parentTree, tree);
    if (opts.table && !tables.includes(opts.table)) continue;
    if (opts.filter && !(await opts.filter(c, parentTree, tree))) continue;
    out.push(toEntry(c, tables));
  }
  return out;
}

export const toEntry = (c: CommitInfo, tables: string[]): LogEntry => ({
  commit: c.oid,
  parents: c.parents,
  author: formatIdentity(c.author),
  date: isoDate(c),
  message: c.message.replace(/\n$/, ''),
  tables,
});
