import { badInput } from '../errors.js';
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
  /** Every branch, tag and remote-tracking branch, and HEAD, instead of `rev`. */
  all?: boolean;
  /** Only commits whose author ("Name <email>") matches this regular expression, case-insensitively (git's --author). */
  author?: string;
  /** Only commits whose message matches this regular expression, case-insensitively (git's --grep -i). */
  grep?: string;
  /** Only commits authored at or after / at or before this date (ISO 8601 or a date DuckDB-free `Date` parses). */
  since?: string;
  until?: string;
  filter?: (c: CommitInfo, parentTree: TableTree, tree: TableTree) => Promise<boolean>;
}

export const isoDate = (c: Pick<CommitInfo, 'author'>): string => new Date(c.author.timestamp * 1000).toISOString().replace('.000Z', 'Z');

/** Tables whose manifest differs between two trees. */
export function changedTables(before: TableTree, after: TableTree): string[] {
  return [...new Set([...before.tables.keys(), ...after.tables.keys()])].filter((t) => before.tables.get(t) !== after.tables.get(t)).sort();
}

/** Commits reachable from `start` (one commit or several), newest first (by author date, as `git log` orders them). */
export async function* walkCommits(ctx: RepoContext, start: string | string[]): AsyncGenerator<CommitInfo> {
  const starts = [...new Set(Array.isArray(start) ? start : [start])];
  const seen = new Set<string>(starts);
  const queue: CommitInfo[] = await Promise.all(starts.map((oid) => ctx.git.readCommit(oid)));
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

/** `log`: history from a revision (or every ref), filtered by table, author, message and date. No DuckDB. */
export async function log(ctx: RepoContext, opts: LogOptions = {}): Promise<LogEntry[]> {
  const starts = opts.all ? await allTips(ctx) : [opts.rev ? await resolveCommit(ctx, opts.rev) : await ctx.git.resolveRef('HEAD')];
  const tips = starts.filter((s): s is string => !!s);
  if (!tips.length) return [];
  const keep = commitFilter(opts);
  const out: LogEntry[] = [];
  let tableSeen = !opts.table;
  for await (const c of walkCommits(ctx, tips)) {
    if (opts.n !== undefined && out.length >= opts.n) break;
    const tree = await readTableTree(ctx, c.oid);
    const parentTree = await readTableTree(ctx, c.parents[0]);
    tableSeen ||= tree.tables.has(opts.table!) || parentTree.tables.has(opts.table!);
    const tables = changedTables(parentTree, tree);
    if (opts.table && !tables.includes(opts.table)) continue;
    if (!keep(c)) continue;
    if (opts.filter && !(await opts.filter(c, parentTree, tree))) continue;
    out.push(toEntry(c, tables));
  }
  if (!tableSeen && !(await stagedTables(ctx)).includes(opts.table!)) {
    throw badInput(`no table named '${opts.table}' in this history`, { table: opts.table }, "run 'lakegit status' to list tables");
  }
  return out;
}

/** The author, message and date filters, checked before any tree is compared. */
function commitFilter(opts: LogOptions): (c: CommitInfo) => boolean {
  const regex = (what: string, source: string | undefined) => {
    if (source === undefined) return undefined;
    try {
      return new RegExp(source, 'i');
    } catch {
      throw badInput(`--${what} '${source}' is not a regular expression`, { [what]: source });
    }
  };
  const author = regex('author', opts.author);
  const grep = regex('grep', opts.grep);
  const since = dateBound('since', opts.since);
  const until = dateBound('until', opts.until);
  return (c) =>
    (!author || author.test(formatIdentity(c.author))) &&
    (!grep || grep.test(c.message)) &&
    (since === undefined || c.author.timestamp >= since) &&
    (until === undefined || c.author.timestamp <= until);
}

/** A --since/--until date as seconds; a bare date means that whole day in UTC for --until. */
function dateBound(what: 'since' | 'until', text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(bare ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw badInput(`--${what} '${text}' is not a date`, { [what]: text }, 'e.g. 2026-03-01 or 2026-03-01T12:00:00Z');
  return Math.floor(ms / 1000) + (bare && what === 'until' ? 86399 : 0);
}

/** HEAD and the tip of every branch, tag and remote-tracking branch. */
async function allTips(ctx: RepoContext): Promise<(string | undefined)[]> {
  const refs = [
    'HEAD',
    ...(await ctx.git.listBranches()).map((b) => `refs/heads/${b}`),
    ...(await ctx.git.listTags()).map((t) => `refs/tags/${t}`),
    ...(await ctx.git.listRefs('refs/remotes')),
  ];
  const oids = await Promise.all(refs.map((r) => ctx.git.resolveRef(r)));
  return Promise.all(oids.map((o) => (o ? ctx.git.peel(o) : undefined)));
}

async function stagedTables(ctx: RepoContext): Promise<string[]> {
  return Object.keys((await ctx.staging.read()).tables);
}

export const toEntry = (c: CommitInfo, tables: string[]): LogEntry => ({
  commit: c.oid,
  parents: c.parents,
  author: formatIdentity(c.author),
  date: isoDate(c),
  message: c.message.replace(/\n$/, ''),
  tables,
});
