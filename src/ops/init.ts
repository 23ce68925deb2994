import { badInput } from '../errors.js';
import { exists } from '../store/fsutil.js';
import { GitStore } from '../store/git.js';
import { LAKEGIT_DIR, RepoContext } from './context.js';
import { validateRefName } from './revisions.js';
import path from 'node:path';

/** `init`: a bare git repository at `.lakegit/` with a chunk folder beside its objects. */
export async function init(dir: string, branch = 'main'): Promise<{ root: string; created: boolean }> {
  validateRefName(branch, 'branch');
  const root = path.resolve(dir);
  if (await exists(path.join(root, LAKEGIT_DIR, 'HEAD'))) return { root, created: false };
  if (await exists(path.join(root, LAKEGIT_DIR))) throw badInput(`${path.join(root, LAKEGIT_DIR)} exists but is not a repository`);
  const ctx = await RepoContext.create(root);
  await GitStore.init(ctx.gitdir, branch);
  return { root, created: true };
}
