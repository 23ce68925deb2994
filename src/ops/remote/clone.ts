import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { badInput } from '../../errors.js';
import { exists } from '../../store/fsutil.js';
import { listRemoteRefs } from '../../store/git-remote.js';
import { isPathUrl } from '../../store/git-transport.js';
import { redactUrl } from '../../store/remote-store.js';
import { updateWorkingTree } from '../checkout.js';
import { RepoContext } from '../context.js';
import { init } from '../init.js';
import { addRemote } from './admin.js';
import { setUpstream } from './config.js';
import { fetchRemote } from './fetch.js';
import { chunksOfCommits } from './graph.js';
import { fetchChunks } from './ondemand.js';

export interface CloneOptions {
  dir?: string;
  branch?: string;
  noCheckout?: boolean;
  cwd: string;
}
export interface CloneResult {
  root: string;
  url: string;
  branch?: string;
  head?: string;
  store?: string;
  written: string[];
  chunks: number;
  bytes: number;
}

/** `clone`: every commit and ref; the chunks of the checked-out revision only (none with --no-checkout). */
export async function clone(url: string, opts: CloneOptions): Promise<CloneResult> {
  const listed = await listRemoteRefs(isPathUrl(url) ? path.resolve(opts.cwd, url.replace(/^file:\/\//i, '')) : url);
  const root = path.resolve(opts.cwd, opts.dir ?? defaultDir(url));
  const fresh = !(await exists(root));
  if (!fresh && (await fsp.readdir(root)).length > 0) throw badInput(`destination '${root}' exists and is not empty`, { dir: root });
  const branch = opts.branch ?? listed.head?.replace(/^refs\/heads\//, '') ?? 'main';
  const oid = listed.refs.get(`refs/heads/${branch}`);
  if (opts.branch && !oid)
    throw badInput(`the remote has no branch '${opts.branch}'`, { branch: opts.branch }, 'run lakegit clone without -b');
  try {
    await init(root, branch);
    const ctx = new RepoContext(root);
    await addRemote(ctx, 'origin', url, { cwd: opts.cwd });
    // DuckDB loads (native module, instance) while the graph comes over the network; the chunks' check needs it next.
    const engine = oid && !opts.noCheckout ? singleThreaded(ctx) : undefined;
    void engine?.catch(() => undefined);
    const fetched = await fetchRemote(ctx, 'origin', { url, listed });
    const result: CloneResult = { root, url: redactUrl(url), store: fetched.store, written: [], chunks: 0, bytes: 0 };
    if (!oid) return result;
    await setUpstream(ctx, branch, { remote: 'origin', merge: `refs/heads/${branch}` });
    if (!opts.noCheckout) {
      await engine;
      Object.assign(result, await fetchChunks(ctx, await chunksOfCommits(ctx, [oid]), 'fetching chunks'));
      result.written = await ctx.locked(async () => (await updateWorkingTree(ctx, oid, false)).written);
    }
    await ctx.git.updateRef(`refs/heads/${branch}`, oid, null);
    return { ...result, branch, head: oid };
  } catch (e) {
    // As git does: a failed clone leaves nothing behind.
    await fsp.rm(fresh ? root : path.join(root, '.lakegit'), { recursive: true, force: true });
    throw e;
  }
}

/**
 * The clone's DuckDB runs each statement on one thread, and its big work on two connections at once
 * (the chunks' checks, the working files' base rows): on these scans a statement's own threads cost
 * half as much CPU again as one thread doing the same work, in waiting and in the ordered COPY's buffers
 * (docs/benchmarks.md, "Issue 12, helper `clone3`"), while two statements keep both cores busy.
 */
async function singleThreaded(ctx: RepoContext): Promise<void> {
  await (await ctx.engine()).run('SET threads = 1');
}

/** `https://host/team/lake.git` → `lake`, as git names a clone's directory. */
function defaultDir(url: string): string {
  const name = path.basename(
    redactUrl(url)
      .replace(/[/\\]+$/, '')
      .replace(/\.git$/, '')
      .replace(/\/\.lakegit$/, ''),
  );
  if (!name || name === '.' || name === '..')
    throw badInput(`cannot name a directory after '${redactUrl(url)}'`, {}, 'give one: lakegit clone <url> <dir>');
  return name;
}
