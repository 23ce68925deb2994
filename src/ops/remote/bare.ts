import { installReceiveHooks } from './hook-install.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { badInput } from '../../errors.js';
import { exists } from '../../store/fsutil.js';
import { STORE_REF } from '../../store/git-remote.js';
import { GitStore } from '../../store/git.js';
import { redactUrl } from '../../store/remote-store.js';
import { validateRefName } from '../revisions.js';
import { writeStoreCommit } from './store-ref.js';

export interface BareResult {
  dir: string;
  chunks: string;
  created: boolean;
}

/**
 * `init --bare <dir>`: a git repository with no working tree, to be a remote (served by any git
 * server, or reached as a path). Its chunk store is `<dir>/chunks` unless `--chunks` names one;
 * where it is, is recorded in the repository itself (`refs/lakegit/store`, see store-ref.ts).
 */
export async function initBare(dir: string, opts: { chunks?: string; branch?: string; cwd: string }): Promise<BareResult> {
  const branch = validateRefName(opts.branch ?? 'main', 'branch');
  const root = path.resolve(opts.cwd, dir);
  if (await exists(path.join(root, 'HEAD'))) {
    const git = new GitStore(root);
    if (await git.resolveRef(STORE_REF)) return { dir: root, chunks: storeShown(root, opts.chunks), created: false };
  } else if ((await fsp.readdir(root).catch(() => [])).length > 0) {
    throw badInput(`'${root}' exists and is not empty`, { dir: root }, 'give a new or empty directory');
  }
  const named = opts.chunks ? storeUrl(opts.chunks, opts.cwd) : 'chunks';
  if (!/^s3:\/\//i.test(named)) await fsp.mkdir(path.resolve(root, named), { recursive: true });
  const git = await GitStore.init(root, branch);
  // The server side of protection: pushes to a branch protected here must pass its checks.
  await installReceiveHooks(root);
  await git.updateRef(STORE_REF, await writeStoreCommit(git, named), null);
  return { dir: root, chunks: storeShown(root, opts.chunks ? named : undefined), created: true };
}

const storeUrl = (url: string, cwd: string) =>
  /^[a-z][a-z0-9+.-]+:\/\//i.test(url) && !/^file:/i.test(url) ? redactUrl(url) : path.resolve(cwd, url.replace(/^file:\/\//i, ''));
const storeShown = (root: string, named?: string) => named ?? path.join(root, 'chunks');
