import type { CommitInfo } from '../store/git.js';
import { TableSnapshot } from '../table/snapshot.js';
import type { RepoContext } from './context.js';
import { countChanges, fromSnapshot, zeroCounts, type RowCounts } from './diff/rowdiff.js';
import { sameData } from './diff/plan.js';
import { changedTables } from './history.js';
import { readManifest, STATS_FILE, type TableTree } from './tree.js';

/**
 * A commit's own change, counted once when the commit is written and kept in its tree as
 * `stats.json` (docs/format.md), so `diff A^ A --stat`, `show --stat` and `log --stat` answer from
 * git objects alone, without loading DuckDB. The counts are the diff engine's, against the first
 * parent; each table's entry names the two manifests it counts, so a reader uses it only when they
 * are exactly the commit's (a tree copied by another tool onto another parent is counted afresh).
 */
export const STATS_FORMAT = 'lakegit.stats/1';

export interface TableChange extends RowCounts {
  /** The manifest blob before (in the first parent) and after; null where the table is absent. */
  before: string | null;
  after: string | null;
}

export interface ChangeStats {
  format: typeof STATS_FORMAT;
  /** The first parent the counts are against; null for a root commit. */
  parent: string | null;
  tables: Record<string, TableChange>;
}

/**
 * Counts the caller already has (a merge's row merge knows the rows it changed), per table; one is
 * used only when its two manifests are exactly the table's before and after.
 */
export type KnownChanges = ReadonlyMap<string, TableChange>;

/** Rows added, removed and modified per table from `parentTree` to `tree`, as `diff --stat` counts them. */
export async function countTreeChange(
  ctx: RepoContext,
  parentTree: TableTree,
  tree: TableTree,
  known?: KnownChanges,
): Promise<Record<string, TableChange>> {
  const out: Record<string, TableChange> = {};
  for (const table of changedTables(parentTree, tree)) {
    const before = parentTree.tables.get(table) ?? null;
    const after = tree.tables.get(table) ?? null;
    const k = known?.get(table);
    const counts = k && k.before === before && k.after === after ? k : await countTable(ctx, before, after);
    out[table] = { before, after, added: counts.added, removed: counts.removed, modified: counts.modified };
  }
  return out;
}

async function countTable(ctx: RepoContext, before: string | null, after: string | null): Promise<RowCounts> {
  if (!before || !after) return { ...zeroCounts(), [before ? 'removed' : 'added']: (await readManifest(ctx, (before ?? after)!)).rows };
  const [b, a] = [await readManifest(ctx, before), await readManifest(ctx, after)];
  if (sameData(b, a)) return zeroCounts();
  const { added, removed, modified } = await countChanges(
    await ctx.engine(),
    fromSnapshot(new TableSnapshot(b, ctx.chunks)),
    fromSnapshot(new TableSnapshot(a, ctx.chunks)),
  );
  return { added, removed, modified };
}

/** Count the change a commit about to be written makes against its first parent, and store it as a blob for its tree. */
export async function writeChangeStats(
  ctx: RepoContext,
  parent: string | undefined,
  parentTree: TableTree,
  tree: TableTree,
  known?: KnownChanges,
): Promise<string> {
  const stats: ChangeStats = { format: STATS_FORMAT, parent: parent ?? null, tables: await countTreeChange(ctx, parentTree, tree, known) };
  return ctx.git.writeBlob(`${JSON.stringify(stats, null, 1)}\n`);
}

/**
 * The counts a commit recorded, per changed table, when they describe exactly its change against
 * its first parent (`parentTree` → `tree`); undefined for a commit written before counts were kept,
 * or whose record does not fit. Reads git objects only.
 */
export async function recordedChanges(
  ctx: RepoContext,
  commit: Pick<CommitInfo, 'tree' | 'parents'>,
  parentTree: TableTree,
  tree: TableTree,
): Promise<Map<string, RowCounts> | undefined> {
  const entry = (await ctx.git.readTree(commit.tree)).find((e) => e.path === STATS_FILE && e.type === 'blob');
  if (!entry) return undefined;
  let stats: ChangeStats;
  try {
    stats = JSON.parse(await ctx.git.readText(entry.oid)) as ChangeStats;
  } catch {
    return undefined;
  }
  if (stats?.format !== STATS_FORMAT || stats.parent !== (commit.parents[0] ?? null) || typeof stats.tables !== 'object') return undefined;
  const out = new Map<string, RowCounts>();
  for (const table of changedTables(parentTree, tree)) {
    const t = Object.hasOwn(stats.tables, table) ? stats.tables[table] : undefined;
    if (!t || t.before !== (parentTree.tables.get(table) ?? null) || t.after !== (tree.tables.get(table) ?? null)) return undefined;
    if (![t.added, t.removed, t.modified].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
    out.set(table, { added: t.added, removed: t.removed, modified: t.modified });
  }
  return out;
}

/**
 * The counts a revert or cherry-pick knows without counting: `commit`'s recorded change against its
 * first parent, per table, as the change from the parent's manifest to the commit's (`'pick'`) or
 * back (`'revert'`, added and removed swapped). Used by `countTreeChange` only where the new commit's
 * table goes between exactly those two manifests (a revert of HEAD, a pick onto the commit's parent,
 * a table only that commit touched). The way back is counted the same only where both manifests
 * have one key and the same columns (rows are then matched the same way both ways); other tables,
 * and a commit without a fitting record, are counted afresh.
 */
export async function pickedChanges(
  ctx: RepoContext,
  commit: Pick<CommitInfo, 'tree' | 'parents'>,
  parentTree: TableTree,
  tree: TableTree,
  way: 'pick' | 'revert',
): Promise<KnownChanges> {
  const out = new Map<string, TableChange>();
  for (const [table, c] of (await recordedChanges(ctx, commit, parentTree, tree)) ?? []) {
    const [before, after] = [parentTree.tables.get(table) ?? null, tree.tables.get(table) ?? null];
    if (way === 'pick') {
      out.set(table, { before, after, ...c });
      continue;
    }
    if (!before || !after) {
      out.set(table, { before: after, after: before, added: c.removed, removed: c.added, modified: c.modified });
      continue;
    }
    const [b, a] = [await readManifest(ctx, before), await readManifest(ctx, after)];
    if (JSON.stringify([b.key, b.columns]) !== JSON.stringify([a.key, a.columns])) continue;
    out.set(table, { before: after, after: before, added: c.removed, removed: c.added, modified: c.modified });
  }
  return out;
}
