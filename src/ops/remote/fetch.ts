import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fetchGraph, listRemoteRefs, STORE_REF, type RemoteRefs } from '../../store/git-remote.js';
import { isPathUrl } from '../../store/git-transport.js';
import { NOTES_REF, remoteNotesRef } from '../checks/notes.js';
import type { RepoContext } from '../context.js';
import { getRemote, type RemoteInfo } from './config.js';
import { chunksOfCommits, reachable } from './graph.js';
import { fetchChunks } from './ondemand.js';
import { readStoreCommit, resolveStoreUrl } from './store-ref.js';

export interface RefUpdate {
  ref: string;
  from?: string;
  to?: string;
}
export interface FetchResult {
  remote: string;
  url: string;
  updated: RefUpdate[];
  /** The chunk store the remote names, if any. */
  store?: string;
  chunks: number;
  bytes: number;
}

async function trackingRefs(ctx: RepoContext, remote: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const b of await ctx.git.listRemoteBranches(remote)) {
    const oid = await ctx.git.resolveRef(`refs/remotes/${remote}/${b}`);
    if (oid) out.set(`refs/remotes/${remote}/${b}`, oid);
  }
  return out;
}

/**
 * Bring the remote's commits and refs in (its branches as `refs/remotes/<remote>/*`, the passes it
 * recorded as `refs/notes/remotes/<remote>/lakegit-checks`), and learn where it keeps its chunks. `url`
 * overrides the stored one for this call (it may carry credentials); `listed` is the remote's refs
 * when the caller has just listed them.
 */
export async function fetchRemote(
  ctx: RepoContext,
  name: string,
  opts: { allChunks?: boolean; url?: string; listed?: RemoteRefs } = {},
): Promise<FetchResult & { listed: RemoteRefs }> {
  const remote = await getRemote(ctx, name);
  // A path was stored absolute; an HTTP URL given to clone may carry credentials, used for this call only.
  const url = opts.url && !isPathUrl(opts.url) ? opts.url : remote.url;
  // `clone` has just listed them: asking again costs a round trip (and the server a git process).
  const listed = opts.listed ?? (await listRemoteRefs(url));
  const { updated, store } = await ctx.locked(async () => {
    const before = await trackingRefs(ctx, name);
    // The passes the remote recorded itself come with the graph (notes.ts: what the remote guards).
    await fetchGraph(ctx.gitdir, name, url, listed, [[NOTES_REF, remoteNotesRef(name)]]);
    if (!listed.refs.has(NOTES_REF)) await ctx.git.deleteRef(remoteNotesRef(name)).catch(() => undefined);
    const after = await trackingRefs(ctx, name);
    const updated: RefUpdate[] = [];
    for (const ref of new Set([...before.keys(), ...after.keys()]))
      if (before.get(ref) !== after.get(ref)) updated.push({ ref, from: before.get(ref), to: after.get(ref) });
    return { updated, store: await learnStore(ctx, remote, listed) };
  });
  let moved = { chunks: 0, bytes: 0 };
  if (opts.allChunks) {
    const commits = await reachable(ctx, (await trackingRefs(ctx, name)).values());
    moved = await fetchChunks(ctx, await chunksOfCommits(ctx, commits), 'fetching chunks');
  }
  return { remote: name, url: remote.url, updated, store, ...moved, listed };
}

/** Record the store the remote names (`refs/lakegit/store`), or `<dir>/chunks` of a path remote that names none. */
async function learnStore(ctx: RepoContext, remote: RemoteInfo, listed: RemoteRefs): Promise<string | undefined> {
  const oid = listed.refs.get(STORE_REF);
  let store: string | undefined;
  const named = oid ? await readStoreCommit(ctx, oid) : undefined;
  const url = remote.url;
  if (named) store = resolveStoreUrl(named, url);
  else if (isPathUrl(url) && (await fsp.stat(path.join(url, 'chunks')).catch(() => undefined))) store = path.join(url, 'chunks');
  if (store && store !== (await ctx.git.getConfig(`remote.${remote.name}.lakegitstore`)))
    await ctx.git.setConfig(`remote.${remote.name}.lakegitstore`, store);
  return (await ctx.git.getConfig(`remote.${remote.name}.lakegitchunks`)) ?? store;
}
