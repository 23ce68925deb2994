import { scriptMap, scriptRecord } from './scripts.js';
import { parseManifest, serializeManifest, type Manifest } from '../table/manifest.js';
import { TableSnapshot } from '../table/snapshot.js';
import type { TreeEntry } from '../store/git.js';
import type { StagingIndex } from '../store/staging.js';
import { unknownTable } from '../errors.js';
import { CONFIG_FILE, type RepoContext } from './context.js';
import { readScripts, SCRIPTS_TREE, scriptsEqual, writeScripts } from './scripts.js';

/** What a commit (or the index) holds: table name → manifest blob, and the lakegit.yaml blob. */
export interface TableTree {
  tables: Map<string, string>;
  config?: string;
  /** Hook scripts committed with lakegit.yaml: repository-relative path → blob. */
  scripts?: Map<string, string>;
}

/** The tree the index would commit. */
export const indexTree = (index: StagingIndex): TableTree => ({
  tables: new Map(Object.entries(index.tables).map(([k, v]) => [k, v.manifest])),
  config: index.config?.blob,
  scripts: scriptMap(index.config?.scripts),
});

/** A staging index holding exactly a tree, for `commitIndex`. */
export const treeIndex = (t: TableTree): StagingIndex => ({
  version: 1,
  tables: Object.fromEntries([...t.tables].map(([name, manifest]) => [name, { manifest, file: '' }])),
  config: t.config ? { blob: t.config, ...(t.scripts?.size ? { scripts: scriptRecord(t.scripts) } : {}) } : undefined,
});

export const emptyTree = (): TableTree => ({ tables: new Map() });

export async function readTableTree(ctx: RepoContext, commit: string | undefined): Promise<TableTree> {
  if (!commit) return emptyTree();
  return readTablesOfTree(ctx, (await ctx.git.readCommit(commit)).tree);
}

/** The same from a commit's tree id, for walks that already hold the commit. */
export async function readTablesOfTree(ctx: RepoContext, tree: string): Promise<TableTree> {
  const top = await ctx.git.readTree(tree);
  const result = emptyTree();
  for (const e of top) {
    if (e.path === CONFIG_FILE && e.type === 'blob') result.config = e.oid;
    if (e.path === SCRIPTS_TREE && e.type === 'tree') result.scripts = await readScripts(ctx, e.oid);
    if (e.path === 'tables' && e.type === 'tree') {
      for (const t of await ctx.git.readTree(e.oid)) {
        if (t.type === 'blob' && t.path.endsWith('.json')) result.tables.set(t.path.slice(0, -5), t.oid);
      }
    }
  }
  return result;
}

/** A commit's own change counts (src/ops/change-stats.ts), beside `tables/` in the commit's tree; not part of a `TableTree`. */
export const STATS_FILE = 'stats.json';

/** A tree's entries; `stats` is the blob of the commit's change counts, for a tree a commit records. */
export async function writeTableTree(ctx: RepoContext, t: TableTree, stats?: string): Promise<string> {
  const entries: TreeEntry[] = [];
  if (stats) entries.push({ path: STATS_FILE, oid: stats, mode: '100644', type: 'blob' });
  if (t.tables.size > 0) {
    const tables = [...t.tables].map(([name, oid]) => ({ path: `${name}.json`, oid, mode: '100644', type: 'blob' as const }));
    entries.push({ path: 'tables', oid: await ctx.git.writeTree(tables), mode: '040000', type: 'tree' });
  }
  if (t.config) entries.push({ path: CONFIG_FILE, oid: t.config, mode: '100644', type: 'blob' });
  if (t.scripts?.size) entries.push({ path: SCRIPTS_TREE, oid: await writeScripts(ctx, t.scripts), mode: '040000', type: 'tree' });
  return ctx.git.writeTree(entries);
}

/**
 * The id of a commit's tree without its change counts: what `writeTableTree` gives the same tables
 * before the commit exists (check notes name it). Computed, never written.
 */
export async function tablesTreeOid(ctx: RepoContext, tree: string): Promise<string> {
  const entries = await ctx.git.readTree(tree);
  const kept = entries.filter((e) => e.path !== STATS_FILE);
  return kept.length === entries.length ? tree : ctx.git.hashTree(kept);
}

const manifestCache = new Map<string, Manifest>();

export async function readManifest(ctx: RepoContext, blob: string): Promise<Manifest> {
  let m = manifestCache.get(blob);
  if (!m) {
    m = parseManifest(await ctx.git.readText(blob), blob);
    manifestCache.set(blob, m);
  }
  return m;
}

export async function writeManifest(ctx: RepoContext, m: Manifest): Promise<string> {
  return ctx.git.writeBlob(serializeManifest(m));
}

export async function snapshotOf(ctx: RepoContext, tree: TableTree, table: string, rev?: string): Promise<TableSnapshot> {
  const blob = tree.tables.get(table);
  if (!blob) throw unknownTable(table, rev);
  return new TableSnapshot(await readManifest(ctx, blob), ctx.chunks);
}

export const treesEqual = (a: TableTree, b: TableTree): boolean =>
  a.config === b.config &&
  scriptsEqual(a.scripts, b.scripts) &&
  a.tables.size === b.tables.size &&
  [...a.tables].every(([k, v]) => b.tables.get(k) === v);
