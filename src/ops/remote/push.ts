import { UploadFailed, badInput } from '../../errors.js';
import { listRemoteRefs, STORE_REF } from '../../store/git-remote.js';
import { pushRefs, type PushOutcome, type PushUpdate } from '../../store/git-push.js';
import { isPathUrl } from '../../store/git-transport.js';
import type { RemoteChunkStore } from '../../store/remote-store.js';
import type { RepoContext } from '../context.js';
import { defaultRemote, getRemote, getUpstream, setUpstream } from './config.js';
import { fetchRemote } from './fetch.js';
import { chunksOfCommits, newCommits } from './graph.js';
import { fetchChunks, transferReporter } from './ondemand.js';
import { resolveStoreUrl, storeOf, writeStoreCommit } from './store-ref.js';

export interface PushOptions {
  remote?: string;
  branches?: string[];
  all?: boolean;
  tags?: boolean;
  setUpstream?: boolean;
  force?: boolean;
}
export interface PushResult {
  remote: string;
  url: string;
  store: string;
  refs: (PushOutcome & { from?: string; to?: string })[];
  chunks: number;
  bytes: number;
  /** What the remote's hooks said (a refusal's report). */
  messages: string[];
}

/**
 * `push`: upload the chunks the remote's store lacks, then move the remote's refs, each only if it
 * still is what this push saw (git's old-value check): so a remote ref never names a missing chunk,
 * of two concurrent pushes one loses, and a push killed at any instant leaves the remote's refs
 * old or new. Chunk objects are only added, so a retried push finds what the killed one uploaded.
 */
export async function push(ctx: RepoContext, opts: PushOptions): Promise<PushResult> {
  const name = opts.remote ?? (await defaultRemote(ctx));
  let remote = await getRemote(ctx, name);
  // As a push lists them: pushRefs' own listing of the same refs is then served from this one (git-transport.ts).
  let listed = await listRemoteRefs(remote.url, { forPush: true });
  if (!remote.chunks && listed.refs.has(STORE_REF)) {
    listed = (await fetchRemote(ctx, name)).listed;
    remote = await getRemote(ctx, name);
  }
  const storeUrl = remote.chunks ?? (isPathUrl(remote.url) ? resolveStoreUrl('chunks', remote.url) : undefined);
  if (!storeUrl)
    throw badInput(
      `the remote '${name}' names no chunk store`,
      { remote: name },
      `name one: lakegit remote set-url ${name} ${remote.url} --chunks s3://bucket/prefix`,
    );
  const store = await storeOf(storeUrl);
  const updates = await plannedUpdates(ctx, name, opts);
  const local = new Map<string, string>();
  for (const u of updates) local.set(u.src!, (await ctx.git.resolveRef(u.src!))!);
  const moved = await uploadChunks(ctx, store, [...local.values()], [...listed.refs.values()]);
  if (!listed.refs.has(STORE_REF)) updates.unshift(await storeRefUpdate(ctx, remote.chunks ?? 'chunks'));
  const messages: string[] = [];
  const outcomes = await pushRefs(ctx.gitdir, name, remote.url, updates, (m) => messages.push(m));
  const refs: PushResult['refs'] = [];
  for (const o of outcomes) {
    if (o.dst === STORE_REF) continue; // another push may have named the store first: either way it is named
    const src = updates.find((u) => u.dst === o.dst)!.src!;
    refs.push({ ...o, from: listed.refs.get(o.dst), to: local.get(src) });
    if (o.ok && o.dst.startsWith('refs/heads/')) await trackRef(ctx, name, o.dst, local.get(src)!);
  }
  if (opts.setUpstream) {
    for (const u of updates)
      if (u.dst.startsWith('refs/heads/') && refs.find((r) => r.dst === u.dst)?.ok)
        await setUpstream(ctx, u.src!.replace(/^refs\/heads\//, ''), { remote: name, merge: u.dst });
  }
  return { remote: name, url: remote.url, store: store.display, refs, ...moved, messages };
}

async function trackRef(ctx: RepoContext, remote: string, dst: string, oid: string): Promise<void> {
  await ctx.git.updateRef(`refs/remotes/${remote}/${dst.slice('refs/heads/'.length)}`, oid, null);
}

/** The ref updates a push means: named branches, --all, --tags, else the current branch to its upstream. */
async function plannedUpdates(ctx: RepoContext, remote: string, opts: PushOptions): Promise<PushUpdate[]> {
  const force = !!opts.force;
  const out: PushUpdate[] = [];
  const branchUpdate = async (b: string): Promise<PushUpdate> => {
    if (!(await ctx.git.resolveRef(`refs/heads/${b}`))) throw badInput(`no branch '${b}'`, { branch: b }, "run 'lakegit branch --list'");
    const up = await getUpstream(ctx, b);
    return { src: `refs/heads/${b}`, dst: up && up.remote === remote ? up.merge : `refs/heads/${b}`, force };
  };
  if (opts.all) for (const b of await ctx.git.listBranches()) out.push(await branchUpdate(b));
  for (const b of opts.branches ?? []) out.push(await branchUpdate(b));
  if (opts.tags) for (const t of await ctx.git.listTags()) out.push({ src: `refs/tags/${t}`, dst: `refs/tags/${t}`, force });
  if (out.length === 0) {
    const b = await ctx.git.currentBranch();
    if (!b || !(await ctx.git.resolveRef('HEAD')))
      throw badInput('no branch to push: HEAD is detached or has no commit', {}, 'name a branch: lakegit push origin <branch>');
    out.push(await branchUpdate(b));
  }
  return out;
}

/** A local ref for the commit naming the chunk store, pushed before any branch to a remote that names none. */
async function storeRefUpdate(ctx: RepoContext, chunks: string): Promise<PushUpdate> {
  const oid = await writeStoreCommit(ctx.git, chunks);
  await ctx.git.updateRef(STORE_REF, oid, null);
  return { src: STORE_REF, dst: STORE_REF, force: false };
}

/**
 * Upload the chunks of the commits the remote does not have that its store lacks. Chunks the
 * commits share with the commits they sit on are in the store already (a ref never names a
 * commit whose chunks were not uploaded first), so only the rest are asked about.
 */
async function uploadChunks(
  ctx: RepoContext,
  store: RemoteChunkStore,
  starts: string[],
  known: string[],
): Promise<{ chunks: number; bytes: number }> {
  const { commits, boundary } = await newCommits(ctx, starts, known);
  if (commits.size === 0) return { chunks: 0, bytes: 0 };
  const old = await chunksOfCommits(ctx, boundary);
  const candidates = [...(await chunksOfCommits(ctx, commits))].filter((id) => !old.has(id));
  const held = await inParallel(candidates, (id) => store.has(id));
  const missing = candidates.filter((_, i) => !held[i]);
  // A chunk this clone never fetched (it came from another remote's history) is fetched first.
  await fetchChunks(ctx, missing, 'fetching chunks');
  const progress = { label: 'uploading chunks', chunks: 0, totalChunks: missing.length, bytes: 0 };
  const report = transferReporter();
  if (missing.length) report?.(progress);
  await inParallel(missing, async (id) => {
    await store.put(id, ctx.chunks.pathOf(id), true).catch((e: Error) => {
      throw new UploadFailed(`cannot upload chunk ${id} to ${store.display}: ${e.message}`, { id });
    });
    progress.chunks++;
    progress.bytes += await ctx.chunks.size(id);
    report?.(progress);
  });
  return { chunks: progress.chunks, bytes: progress.bytes };
}

/** `f` of each item, at most four at a time (requests to the store overlap their round trips); results in order. */
async function inParallel<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(4, items.length) }, worker));
  return out;
}
