import { NoMergeBase, refused } from '../../errors.js';
import type { RepoContext } from '../context.js';
import { withScratch } from '../../store/journal.js';
import { mergeTrees } from '../merge/tree.js';
import { readTableTree, type TableTree } from '../tree.js';

/**
 * Run `body` over the tree that merging `source` into `target` would commit, computed by the merge
 * engine without a commit or a ref moving. The engine writes the merged tables' chunks and
 * manifests; they are removed afterwards, so the stores end as they began. Takes the repository
 * lock (a concurrent writer's new chunks must not be mistaken for ours).
 */
export async function withMergePreview<T>(
  ctx: RepoContext,
  target: string,
  source: string,
  names: { into: string; sourceRef: string },
  body: (tree: TableTree) => Promise<T>,
): Promise<T> {
  const bases = await ctx.git.mergeBases(target, source);
  if (bases.length > 1) {
    throw new NoMergeBase(
      `'${names.sourceRef}' and '${names.into}' have ${bases.length} merge bases`,
      { bases },
      `merge '${names.into}' into '${names.sourceRef}' first, so that it fast-forwards`,
    );
  }
  return ctx.locked(() =>
    withScratch(async () => {
      const [base, ours, theirs] = await Promise.all([
        readTableTree(ctx, bases[0]),
        readTableTree(ctx, target),
        readTableTree(ctx, source),
      ]);
      const merged = await mergeTrees(ctx, { base, ours, theirs }, undefined);
      if (merged.conflicts.length) {
        const tables = [...new Set(merged.conflicts.map((c) => c.table))];
        throw refused(
          `merging '${names.sourceRef}' into '${names.into}' conflicts (${merged.conflicts.length} conflict(s) in ${tables.join(', ')}): a merge would stop before its checks`,
          { tables },
          `merge '${names.into}' into '${names.sourceRef}' and resolve the conflicts there first`,
        );
      }
      return await body(merged.tree);
    }),
  );
}
