import type { JsonRow } from '../../engine/db.js';
import { InvalidKey, UsageError, badInput, unknownTable } from '../../errors.js';
import type { CommitInfo } from '../../store/git.js';
import type { Manifest } from '../../table/manifest.js';
import { loadGraph, topoNewestFirst } from './graph.js';
import { RowLookup, type ManifestPair, type Row } from './row-lookup.js';
import { parentTable } from './sources.js';
import type { RepoContext } from '../context.js';
import { changedTables, toEntry, type LogEntry } from '../history.js';
import { resolveCommit } from '../revisions.js';
import { readManifest, readTablesOfTree, readTableTree, type TableTree } from '../tree.js';

export interface RowHistoryOptions {
  rev?: string;
  /** Needed when the revision holds more than one table. */
  table?: string;
  /** Every primary-key column with its value as text; it is cast to the column's type. */
  key: [string, string][];
  n?: number;
}

export interface RowChange {
  op: 'added' | 'modified' | 'removed';
  key: JsonRow;
  before: JsonRow | null;
  after: JsonRow | null;
  changed: string[];
}
export interface RowHistoryEntry extends LogEntry {
  table: string;
  row: RowChange;
}

/**
 * `log --key`: the commits that changed one row, newest first, with the row before and after.
 * History is simplified as git does for a path: a commit whose row equals a parent's is not shown
 * and only that parent is followed. Tables with the same manifest as the parent are skipped
 * unread; otherwise only the files the two manifests do not share are searched for the key.
 */
export async function rowHistory(ctx: RepoContext, opts: RowHistoryOptions): Promise<RowHistoryEntry[]> {
  const start = opts.rev ? await resolveCommit(ctx, opts.rev) : await ctx.git.resolveRef('HEAD');
  if (!start) return [];
  const startTree = await readTableTree(ctx, start);
  const table =
    opts.table ??
    (await tableWithKey(
      ctx,
      startTree,
      opts.key.map(([col]) => col),
    ));
  const blob = startTree.tables.get(table);
  if (!blob) throw unknownTable(table, opts.rev ?? 'HEAD');
  const lookup = new RowLookup(ctx, await ctx.engine(), checkKey(await readManifest(ctx, blob), table, opts.key), opts.key);
  try {
    return await walkRow(ctx, lookup, start, table, opts.n);
  } finally {
    await lookup.release();
  }
}

/** Without --table: the one table of the revision, else the one whose primary key is exactly the columns --key names. */
async function tableWithKey(ctx: RepoContext, tree: TableTree, columns: string[]): Promise<string> {
  const names = [...tree.tables.keys()];
  if (names.length === 1) return names[0];
  const wanted = [...columns].sort().join('\u0000');
  const matching: string[] = [];
  for (const name of names) {
    const key = (await readManifest(ctx, tree.tables.get(name)!)).key;
    if (key && [...key].sort().join('\u0000') === wanted) matching.push(name);
  }
  if (matching.length === 1) return matching[0];
  throw badInput(
    matching.length
      ? `log --key needs --table: ${matching.join(', ')} all have the key ${columns.join(', ')}`
      : `no table of this revision has the primary key ${columns.join(', ')}`,
    { tables: names },
    `name one with --table; tables are: ${names.join(', ')}`,
  );
}

function checkKey(m: Manifest, table: string, given: [string, string][]): string[] {
  if (!m.key) throw new InvalidKey(`table '${table}' has no primary key, so --key cannot name a row`, { table });
  const names = given.map(([k]) => k);
  if (names.length !== m.key.length || !m.key.every((k) => names.includes(k)) || new Set(names).size !== names.length) {
    throw new UsageError(
      `--key must give each primary-key column of '${table}' once: ${m.key.join(', ')}`,
      { table, key: m.key },
      `e.g. ${m.key.map((k) => `--key ${k}=…`).join(' ')}`,
    );
  }
  return m.key;
}

/** Commits whose trees are read together and whose files are searched for the key in one query. */
const WINDOW = 32;

/**
 * The (child, parent) manifest pairs of these commits for the tables being followed: what the
 * walk will compare next. A table renamed inside the window is missed here and searched alone.
 */
async function blobPairs(commits: CommitInfo[], names: string[], treeOf: (oid: string) => Promise<TableTree>): Promise<ManifestPair[]> {
  // Read together, so the object reads of a long history overlap instead of queueing one by one.
  const pairs = await Promise.all(
    commits.flatMap((c) =>
      c.parents.map(async (p) => {
        const [tree, ptree] = await Promise.all([treeOf(c.oid), treeOf(p)]);
        return names
          .map((name) => [tree.tables.get(name), ptree.tables.get(name)] as const)
          .filter((pair): pair is ManifestPair => !!pair[0] && !!pair[1] && pair[0] !== pair[1]);
      }),
    ),
  );
  return pairs.flat();
}

async function walkRow(ctx: RepoContext, lookup: RowLookup, start: string, table: string, n?: number): Promise<RowHistoryEntry[]> {
  const out: RowHistoryEntry[] = [];
  const follow = new Map<string, string>([[start, table]]);
  const graph = await loadGraph(ctx, start);
  // A commit is read as a child and again as a parent: read each tree once.
  const trees = new Map<string, Promise<TableTree>>();
  const treeOf = (oid: string) => trees.get(oid) ?? trees.set(oid, readTablesOfTree(ctx, graph.commits.get(oid)!.tree)).get(oid)!;
  const order = [...topoNewestFirst(graph, start)];
  for (const [i, c] of order.entries()) {
    if ((n !== undefined && out.length >= n) || follow.size === 0) break;
    if (i % WINDOW === 0) await lookup.prefetch(await blobPairs(order.slice(i, i + WINDOW), [...follow.values()], treeOf));
    const name = follow.get(c.oid);
    if (name === undefined) continue;
    follow.delete(c.oid);
    const tree = await treeOf(c.oid);
    trees.delete(c.oid);
    const blob = tree.tables.get(name)!;
    const parents = await Promise.all(
      c.parents.map(async (oid) => {
        const ptree = await treeOf(oid);
        return { oid, tree: ptree, found: await parentTable(ctx, name, blob, tree, ptree) };
      }),
    );
    // As git simplifies history for a path: the first parent holding the row as it is here is the
    // one followed, and then this commit did not change the row. A parent with the very same
    // manifest holds it without reading anything.
    let after: Row | undefined;
    const befores: Row[] = [];
    let equal = -1;
    for (const [i, p] of parents.entries()) {
      if (p.found?.blob === blob) {
        equal = i;
        break;
      }
      after ??= await lookup.at(blob);
      const before = p.found ? await lookup.parent(blob, after, p.found.blob) : null;
      befores.push(before);
      if (await lookup.sameRow(blob, after, p.found?.blob, before)) {
        equal = i;
        break;
      }
    }
    if (equal >= 0) {
      const p = parents[equal];
      if (p.found) follow.set(p.oid, p.found.name);
      continue;
    }
    after ??= await lookup.at(blob);
    for (const p of parents) if (p.found) follow.set(p.oid, p.found.name);
    // A root commit changed the row only by creating it.
    if (parents.length === 0 && after === null) continue;
    const before = befores[0] ?? null;
    out.push({
      ...toEntry(c, changedTables(parents[0]?.tree ?? { tables: new Map() }, tree)),
      table: name,
      row: rowChange(lookup.keyColumns, before, after),
    });
  }
  return out;
}

function rowChange(key: string[], before: Row, after: Row): RowChange {
  const row = (after ?? before)!;
  const cols = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  return {
    op: !before ? 'added' : !after ? 'removed' : 'modified',
    key: Object.fromEntries(key.map((k) => [k, row[k]])),
    before,
    after,
    changed: before && after ? cols.filter((c) => JSON.stringify(before[c]) !== JSON.stringify(after[c])) : [],
  };
}
