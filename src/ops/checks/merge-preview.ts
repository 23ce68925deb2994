import type { RepoContext } from '../context.js';
import type { TableTree } from '../tree.js';

/**
 * The tree merging `source` into `target` would commit, computed without writing a commit or
 * moving a ref — from the merge engine (src/ops/merge*) once it offers one; until then undefined,
 * and `check --into` handles only fast-forwards.
 */
export async function previewMerge(_ctx: RepoContext, _target: string, _source: string): Promise<TableTree | undefined> {
  return undefined;
}
