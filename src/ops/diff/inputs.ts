import { NoMergeBase, UsageError, badInput, unknownRevision, unknownTable } from '../../errors.js';
import { parseTableRef, resolveCommit, tryResolveCommit } from '../revisions.js';
import { indexTree } from '../tree.js';
import type { RepoContext } from '../context.js';
import { readManifest, readTableTree } from '../tree.js';
import { statFile, statMatches } from '../../store/staging.js';
import { sameData } from './plan.js';
import type { DiffOptions, TableStatus } from './types.js';

/** What one side of a diff is: a commit, nothing (an unborn HEAD), the index, or the working files. */
export type SideRef = { kind: 'commit'; oid: string } | { kind: 'empty' } | { kind: 'index' } | { kind: 'working' };

export const sideLabel = (s: SideRef): string =>
  s.kind === 'commit' ? s.oid : s.kind === 'index' ? 'INDEX' : s.kind === 'working' ? 'WORKING' : 'EMPTY';

export interface Endpoints {
  from: SideRef;
  to: SideRef;
  /** Only these tables (by name on either side); undefined = all. */
  tables?: string[];
  /** `a@v1 b@v2`: compare two differently named tables. */
  rename?: { before: string; after: string };
  /** Table names read from words that might have been revisions, for a clearer error. */
  guessed?: string[];
}

/**
 * A table on one side: a manifest blob, or (working side) a file that differs from its staged
 * manifest and must be read. `prior` is the staged manifest such a file is compared under.
 */
export interface SideTable {
  name: string;
  blob?: string;
  file?: string;
  prior?: string;
}

export interface TablePair {
  table: string;
  status: TableStatus;
  from?: string;
  before?: SideTable;
  after?: SideTable;
}

const isTableRef = (w: string) => w !== '@' && (w.startsWith('"') || (w.includes('@') && !w.startsWith('@')));

async function headRef(ctx: RepoContext): Promise<SideRef> {
  const head = await ctx.git.resolveRef('HEAD');
  return head ? { kind: 'commit', oid: head } : { kind: 'empty' };
}

async function commitRef(ctx: RepoContext, rev: string): Promise<SideRef> {
  if (rev === '' || rev === 'HEAD') return headRef(ctx);
  return { kind: 'commit', oid: await resolveCommit(ctx, rev) };
}

/** A word names a revision unless it is a tracked table's name that is not also a branch or tag. */
async function isRevision(ctx: RepoContext, word: string, tableNames: Set<string>): Promise<boolean> {
  if (tableNames.has(word)) {
    const ref = (await ctx.git.resolveRef(`refs/heads/${word}`)) ?? (await ctx.git.resolveRef(`refs/tags/${word}`));
    if (!ref) return false;
  }
  return (await tryResolveCommit(ctx, word)) !== undefined;
}

/** Read the command line as git does: up to two revisions (or one range) first, then table names. */
export async function resolveEndpoints(ctx: RepoContext, opts: DiffOptions): Promise<Endpoints> {
  if (opts.commit !== undefined) return commitEndpoints(ctx, opts.commit, opts.tables);
  const words = opts.args ?? [];
  const index = await ctx.staging.read();
  const known = new Set([...Object.keys(index.tables), ...(await readTableTree(ctx, await ctx.git.resolveRef('HEAD'))).tables.keys()]);
  const revs: string[] = [];
  const refs: { table: string; rev?: string }[] = [];
  let range: { a: string; b: string; symmetric: boolean } | undefined;
  let i = 0;
  for (; i < words.length && revs.length < 2 && !range; i++) {
    const w = words[i];
    const m = /^(.*?)(\.\.\.?)(.*)$/.exec(w);
    if (m && !revs.length && !refs.length && !known.has(w)) {
      range = { a: m[1], b: m[3], symmetric: m[2] === '...' };
      continue;
    }
    if (isTableRef(w) && parseTableRef(w).rev !== undefined) refs.push(parseTableRef(w));
    else if (!refs.length && (await isRevision(ctx, w, known))) revs.push(w);
    else break;
  }
  const tables = [...words.slice(i), ...(opts.tables ?? [])].map((w) => (w.startsWith('"') ? parseTableRef(w).table : w));
  if (refs.length) return tableRefEndpoints(ctx, refs, revs, tables, !!opts.staged);
  if (range) return rangeEndpoints(ctx, range, tables, !!opts.staged);
  const only = tables.length ? tables : undefined;
  const guessed = words.slice(i);
  if (opts.staged) {
    if (revs.length > 1) throw new UsageError('--staged takes at most one revision', { revs }, 'drop --staged to compare two revisions');
    return { from: await commitRef(ctx, revs[0] ?? ''), to: { kind: 'index' }, tables: only, guessed };
  }
  if (revs.length === 0) return { from: { kind: 'index' }, to: { kind: 'working' }, tables: only, guessed };
  if (revs.length === 1) return { from: await commitRef(ctx, revs[0]), to: { kind: 'working' }, tables: only, guessed };
  return { from: await commitRef(ctx, revs[0]), to: await commitRef(ctx, revs[1]), tables: only, guessed };
}

/** A commit against its first parent, or against nothing for a root commit. */
async function commitEndpoints(ctx: RepoContext, rev: string, tables: string[] | undefined): Promise<Endpoints> {
  const oid = await resolveCommit(ctx, rev);
  const [parent] = (await ctx.git.readCommit(oid)).parents;
  const from: SideRef = parent ? { kind: 'commit', oid: parent } : { kind: 'empty' };
  return { from, to: { kind: 'commit', oid }, tables: tables?.length ? tables : undefined };
}

async function rangeEndpoints(
  ctx: RepoContext,
  r: { a: string; b: string; symmetric: boolean },
  tables: string[],
  staged: boolean,
): Promise<Endpoints> {
  if (staged) throw new UsageError('--staged cannot be combined with a revision range', { range: `${r.a}..${r.b}` });
  const to = await commitRef(ctx, r.b);
  let from = await commitRef(ctx, r.a);
  if (r.symmetric) {
    if (from.kind !== 'commit' || to.kind !== 'commit') throw unknownRevision(`${r.a}...${r.b}`);
    const [base] = await ctx.git.mergeBases(from.oid, to.oid);
    if (!base)
      throw new NoMergeBase(`'${r.a}' and '${r.b}' have no common ancestor`, { a: r.a, b: r.b }, 'use A..B to compare the two directly');
    from = { kind: 'commit', oid: base };
  }
  return { from, to, tables: tables.length ? tables : undefined };
}

async function tableRefEndpoints(
  ctx: RepoContext,
  refs: { table: string; rev?: string }[],
  revs: string[],
  tables: string[],
  staged: boolean,
): Promise<Endpoints> {
  if (revs.length || tables.length || refs.length > 2 || staged) {
    throw new UsageError(
      'give either revisions and table names, or one or two table@revision references',
      { refs },
      "e.g. 'lakegit diff orders@v1 orders@v2'",
    );
  }
  const side = (r: { rev?: string }): Promise<SideRef> | SideRef => (r.rev === undefined ? { kind: 'working' } : commitRef(ctx, r.rev));
  const [a, b] = refs;
  if (!b) return { from: await side(a), to: { kind: 'working' }, tables: [a.table] };
  const rename = a.table === b.table ? undefined : { before: a.table, after: b.table };
  return { from: await side(a), to: await side(b), tables: [...new Set([a.table, b.table])], rename };
}

/** The tables of one side, by name. The working side lists tracked files that exist. */
export async function sideTables(ctx: RepoContext, ref: SideRef): Promise<Map<string, SideTable>> {
  const out = new Map<string, SideTable>();
  if (ref.kind === 'commit') {
    for (const [name, blob] of (await readTableTree(ctx, ref.oid)).tables) out.set(name, { name, blob });
    return out;
  }
  if (ref.kind === 'empty') return out;
  const index = await ctx.staging.read();
  if (ref.kind === 'index') {
    for (const [name, blob] of indexTree(index).tables) out.set(name, { name, blob });
    return out;
  }
  for (const [name, entry] of Object.entries(index.tables)) {
    const now = await statFile(ctx.abs(entry.file));
    if (!now) continue;
    out.set(name, statMatches(entry.stat, now) ? { name, blob: entry.manifest } : { name, file: entry.file, prior: entry.manifest });
  }
  return out;
}

/**
 * Pair the tables of both sides. Equal manifest blobs drop out unread; a table gone under one name
 * and present under another with the same rows is a rename.
 */
export async function pairTables(ctx: RepoContext, ends: Endpoints): Promise<TablePair[]> {
  const before = await sideTables(ctx, ends.from);
  const after = await sideTables(ctx, ends.to);
  if (ends.rename) return [renamePair(ends.rename, before, after)];
  for (const t of ends.tables ?? []) {
    if (before.has(t) || after.has(t)) continue;
    if (ends.guessed?.includes(t)) {
      throw badInput(
        `'${t}' is neither a revision nor a table`,
        { word: t },
        "run 'lakegit log --oneline' or 'lakegit status'; put table names after '--'",
      );
    }
    throw unknownTable(t);
  }
  const pairs: TablePair[] = [];
  const removed: SideTable[] = [];
  const added: SideTable[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(name);
    const a = after.get(name);
    if (b && a) {
      if (!(b.blob && a.blob && b.blob === a.blob)) pairs.push({ table: name, status: 'modified', before: b, after: a });
    } else if (b) removed.push(b);
    else added.push(a!);
  }
  for (const a of added) {
    const from = await findRenameSource(ctx, a, removed);
    if (from) {
      removed.splice(removed.indexOf(from), 1);
      pairs.push({ table: a.name, status: 'renamed', from: from.name, before: from, after: a });
    } else pairs.push({ table: a.name, status: 'added', after: a });
  }
  for (const r of removed) pairs.push({ table: r.name, status: 'removed', before: r });
  const wanted = ends.tables && new Set(ends.tables);
  return pairs
    .filter((p) => !wanted || wanted.has(p.table) || (p.from !== undefined && wanted.has(p.from)))
    .sort((x, y) => (x.table < y.table ? -1 : x.table > y.table ? 1 : 0));
}

/** A removed table with the same rows as an added one; a working file counts by its staged rows (`mv`, then edits). */
async function findRenameSource(ctx: RepoContext, added: SideTable, removed: SideTable[]): Promise<SideTable | undefined> {
  const blob = added.blob ?? added.prior;
  if (!blob) return undefined;
  const exact = removed.find((r) => r.blob === blob);
  if (exact) return exact;
  const m = await readManifest(ctx, blob);
  for (const r of removed) {
    if (r.blob && sameData(await readManifest(ctx, r.blob), m)) return r;
  }
  return undefined;
}

function renamePair(r: { before: string; after: string }, before: Map<string, SideTable>, after: Map<string, SideTable>): TablePair {
  const b = before.get(r.before);
  const a = after.get(r.after);
  if (!b) throw unknownTable(r.before);
  if (!a) throw unknownTable(r.after);
  return { table: r.after, status: 'renamed', from: r.before, before: b, after: a };
}
