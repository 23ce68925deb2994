import { TableSnapshot } from '../table/snapshot.js';
import type { RepoContext } from './context.js';
import { changedTables, toEntry, type LogEntry } from './history.js';
import { resolveCommit } from './revisions.js';
import { countChanges, fromSnapshot, zeroCounts, type RowCounts } from './diff/rowdiff.js';
import { readManifest, readTableTree } from './tree.js';

export interface ShowResult extends LogEntry {
  changes: ({ table: string; status: 'added' | 'removed' | 'modified'; schemaChanged: boolean } & RowCounts)[];
}

/** `show`: a commit and the row counts it changed per table, against its first parent. */
export async function show(ctx: RepoContext, rev: string): Promise<ShowResult> {
  const oid = await resolveCommit(ctx, rev);
  const c = await ctx.git.readCommit(oid);
  const tree = await readTableTree(ctx, oid);
  const parentTree = await readTableTree(ctx, c.parents[0]);
  const tables = changedTables(parentTree, tree);
  const changes: ShowResult['changes'] = [];
  for (const table of tables) {
    const before = parentTree.tables.get(table);
    const after = tree.tables.get(table);
    if (!before || !after) {
      const m = await readManifest(ctx, (before ?? after)!);
      changes.push({
        table,
        status: before ? 'removed' : 'added',
        schemaChanged: false,
        ...zeroCounts(),
        [before ? 'removed' : 'added']: m.rows,
      });
      continue;
    }
    const snap = async (blob: string) => new TableSnapshot(await readManifest(ctx, blob), ctx.chunks);
    const counts = await countChanges(await ctx.engine(), fromSnapshot(await snap(before)), fromSnapshot(await snap(after)));
    changes.push({ table, status: 'modified', ...counts });
  }
  return { ...toEntry(c, tables), changes };
}
