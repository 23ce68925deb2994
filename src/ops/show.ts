import type { RepoContext } from './context.js';
import { countTreeChange, recordedChanges } from './change-stats.js';
import { changedTables, toEntry, type LogEntry } from './history.js';
import { resolveCommit } from './revisions.js';
import type { RowCounts } from './diff/rowdiff.js';
import { readManifest, readTableTree } from './tree.js';
import { schemaChanged, diffSchemas } from '../table/schema.js';

export interface ShowResult extends LogEntry {
  changes: ({ table: string; status: 'added' | 'removed' | 'modified'; schemaChanged: boolean } & RowCounts)[];
}

/**
 * `show`: a commit and the row counts it changed per table, against its first parent: the counts
 * the commit recorded when it was written (git objects only, no DuckDB), else counted now.
 */
export async function show(ctx: RepoContext, rev: string): Promise<ShowResult> {
  const oid = await resolveCommit(ctx, rev);
  const c = await ctx.git.readCommit(oid);
  const tree = await readTableTree(ctx, oid);
  const parentTree = await readTableTree(ctx, c.parents[0]);
  const tables = changedTables(parentTree, tree);
  const counts = (await recordedChanges(ctx, c, parentTree, tree)) ?? new Map(Object.entries(await countTreeChange(ctx, parentTree, tree)));
  const changes: ShowResult['changes'] = [];
  for (const table of tables) {
    const before = parentTree.tables.get(table);
    const after = tree.tables.get(table);
    const { added, removed, modified } = counts.get(table)!;
    const status = !before ? 'added' : !after ? 'removed' : 'modified';
    const schema =
      status === 'modified' &&
      schemaChanged(diffSchemas((await readManifest(ctx, before!)).columns, (await readManifest(ctx, after!)).columns));
    changes.push({ table, status, schemaChanged: schema, added, removed, modified });
  }
  return { ...toEntry(c, tables), changes };
}
