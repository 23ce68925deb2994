import path from 'node:path';
import { quoteIdent } from '../engine/quote.js';
import { UnsupportedFile } from '../errors.js';
import { writeSnapshot } from '../table/ordered-write.js';
import { requireFormat } from '../table/schema.js';
import { TableSnapshot } from '../table/snapshot.js';
import type { RepoContext } from './context.js';
import { indexTree } from './tree.js';
import { compactedChunks } from './compacted.js';
import { parseTableRef, resolveCommit } from './revisions.js';
import { readTableTree, snapshotOf, type TableTree } from './tree.js';

/** The tree a revision names; no revision means the index (what is staged). */
export async function treeAt(ctx: RepoContext, rev?: string): Promise<TableTree> {
  if (rev === undefined) return indexTree(await ctx.staging.read());
  return readTableTree(ctx, await resolveCommit(ctx, rev));
}

/** `orders@main~2` (or a bare `orders`, the staged version) as a snapshot. */
export async function snapshotAt(ctx: RepoContext, ref: string): Promise<{ table: string; rev?: string; snapshot: TableSnapshot }> {
  const { table, rev } = parseTableRef(ref);
  const tree = await treeAt(ctx, rev);
  return { table, rev, snapshot: await snapshotOf(ctx, tree, table, rev) };
}

/**
 * `files`: the Parquet paths holding exactly the snapshot's rows. A snapshot with change chunks
 * is compacted first (into the same chunks a fresh `add` would make) so readers need no merging;
 * the compaction is recorded, so the next call reuses it and gc keeps it (src/ops/compacted.ts).
 */
export async function chunkFiles(ctx: RepoContext, ref: string, relative = false): Promise<string[]> {
  const { table, rev } = parseTableRef(ref);
  const tree = await treeAt(ctx, rev);
  const snapshot = await snapshotOf(ctx, tree, table, rev);
  const ids = await compactedChunks(ctx, tree.tables.get(table)!, snapshot.manifest);
  // The paths are for other programs to read: in a partial clone, fetch the chunks first.
  await ctx.chunks.ensure(ids);
  const paths = ids.map((id) => ctx.chunks.pathOf(id));
  return relative ? paths.map((p) => path.relative(ctx.root, p)) : paths;
}

/** `export`: write a table at a revision to a file, format by extension, columns in manifest order. */
export async function exportTable(ctx: RepoContext, ref: string, file: string, cwd: string): Promise<{ rows: number; file: string }> {
  const { snapshot } = await snapshotAt(ctx, ref);
  const abs = path.resolve(cwd, file);
  const ext = path.extname(abs).toLowerCase();
  if (ext === '.json') throw new UnsupportedFile(`'${file}': use .jsonl or .ndjson for JSON Lines`, { file });
  const format = requireFormat(abs);
  await writeSnapshot(await ctx.engine(), snapshot, abs, format, {
    project: format === 'jsonl' ? (sql) => jsonlSelect(snapshot, sql) : undefined,
  });
  return { rows: snapshot.manifest.rows, file: abs };
}

/**
 * DuckDB's JSON writer drops a timestamp's zero fraction (`10:00:00` beside `10:00:00.5`), and its
 * reader then finds no one format for the column and reads it back as text. Writing every
 * timestamp with all six fraction digits keeps the type through a round trip.
 */
function jsonlSelect(snapshot: TableSnapshot, ordered: string): string {
  const sel = snapshot.columns.map((c) =>
    c.type === 'TIMESTAMP' ? `strftime(${quoteIdent(c.name)}, '%Y-%m-%d %H:%M:%S.%f') AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
  );
  return `SELECT ${sel.join(', ')} FROM (${ordered})`;
}
