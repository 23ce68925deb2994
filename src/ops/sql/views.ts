import type { Engine } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { unknownTable } from '../../errors.js';
import { statFile, statMatches, type StagedTable } from '../../store/staging.js';
import { readerSql } from '../../table/reader-sql.js';
import type { Manifest } from '../../table/manifest.js';
import { TableSnapshot } from '../../table/snapshot.js';
import type { RepoContext } from '../context.js';
import { resolveCommit } from '../revisions.js';
import { readManifest, readTableTree, type TableTree } from '../tree.js';
import { findRefs, replaceRefs, type RevRef } from './tokenize.js';

/** A view the query needs: a snapshot read in place, or a working file read directly. */
export interface ViewDef {
  name: string;
  sql: string;
  /** Working-file views: the file and a fallback reader that infers types afresh. */
  file?: { abs: string; rel: string; table: string; inferredSql?: string };
}

export interface QueryPlan {
  sql: string;
  views: ViewDef[];
  /** The working tree's tables, for error hints. */ tables: string[];
}

/**
 * Rewrite `table@rev` references to views over that snapshot's chunks, and add a view for each
 * working-tree table the query names. Unknown revisions and tables at a revision are bad input.
 */
export async function planQuery(ctx: RepoContext, engine: () => Promise<Engine>, query: string): Promise<QueryPlan> {
  const { revRefs, names } = findRefs(query);
  const views: ViewDef[] = [];
  const viewNames = new Map<RevRef, string>();
  const trees = new Map<string, Promise<TableTree>>();
  const created = new Map<string, string>();
  const folded = new Set<string>(); // DuckDB matches view names without regard to case
  for (const ref of revRefs) {
    const tree = trees.get(ref.rev) ?? treeOf(ctx, ref.rev);
    trees.set(ref.rev, tree);
    const table = matchName(ref.table, [...(await tree).tables.keys()]);
    if (table === undefined) throw unknownTable(ref.table, ref.rev);
    const written = `${table}@${ref.rev}`;
    let name = created.get(written);
    if (name === undefined) {
      name = written;
      for (let i = 2; folded.has(name.toLowerCase()); i++) name = `${written}#${i}`; // tags v1 and V1
      folded.add(name.toLowerCase());
      created.set(written, name);
      const manifest = await readManifest(ctx, (await tree).tables.get(table)!);
      views.push({ name, sql: new TableSnapshot(manifest, ctx.chunks).sql() });
    }
    viewNames.set(ref, name);
  }
  const index = await ctx.staging.read();
  const mentioned = new Set(names.map((n) => n.name.toLowerCase()));
  for (const [table, entry] of Object.entries(index.tables)) {
    if (!mentioned.has(table.toLowerCase())) continue;
    views.push(await workingView(ctx, await engine(), table, entry));
  }
  return { sql: replaceRefs(query, revRefs, (r) => quoteIdent(viewNames.get(r)!)), views, tables: Object.keys(index.tables) };
}

/** The query as DuckDB will see it, before any revision is resolved: for the read-only check. */
export const parseableSql = (query: string): string =>
  replaceRefs(query, findRefs(query).revRefs, (r) => quoteIdent(`${r.table}@${r.rev}`));

async function treeOf(ctx: RepoContext, rev: string): Promise<TableTree> {
  return readTableTree(ctx, await resolveCommit(ctx, rev));
}

/** SQL names match without regard to case, as DuckDB's do; an exact match wins. */
function matchName(name: string, tables: readonly string[]): string | undefined {
  if (tables.includes(name)) return name;
  const folded = tables.filter((t) => t.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

/**
 * A working-tree table. A file whose stat proves it still holds the staged rows (git's racy-clean
 * rule, as `status` uses) is read from the staged chunks: the same rows, at Parquet speed. Any other
 * file is read directly, with the table's recorded types while its header still matches them, so
 * `orders` and `orders@HEAD` compare without casts; `inferredSql` is the fallback when a value no
 * longer fits its recorded type.
 */
async function workingView(ctx: RepoContext, engine: Engine, table: string, entry: StagedTable): Promise<ViewDef> {
  const manifest = await readManifest(ctx, entry.manifest);
  const abs = ctx.abs(entry.file);
  const now = await statFile(abs);
  const file = { abs, rel: entry.file, table };
  if (now && statMatches(entry.stat, now)) return { name: table, sql: new TableSnapshot(manifest, ctx.chunks).sql(), file };
  const inferredSql = `SELECT * FROM ${readerSql(abs, manifest.source.format)}`;
  if (!now) return { name: table, sql: inferredSql, file };
  const typed = (await headerMatches(engine, inferredSql, manifest)) ? typedSql(abs, manifest) : undefined;
  return typed ? { name: table, sql: typed, file: { ...file, inferredSql } } : { name: table, sql: inferredSql, file };
}

async function headerMatches(engine: Engine, inferredSql: string, m: Manifest): Promise<boolean> {
  try {
    const cols = await engine.all(`DESCRIBE ${inferredSql}`);
    return cols.length === m.columns.length && cols.every((c, i) => c.column_name === m.columns[i].name);
  } catch {
    return false; // the view's creation reports the file's error, naming it
  }
}

function typedSql(abs: string, m: Manifest): string {
  if (m.source.format !== 'parquet') return `SELECT * FROM ${readerSql(abs, m.source.format, m.columns)}`;
  const sel = m.columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`);
  return `SELECT ${sel.join(', ')} FROM ${readerSql(abs, 'parquet')}`;
}
