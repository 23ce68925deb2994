import path from 'node:path';
import { NoRemote, UnknownRemote, badInput } from '../../errors.js';
import { isPathUrl } from '../../store/git-transport.js';
import { redactUrl } from '../../store/remote-store.js';
import type { RepoContext } from '../context.js';

/**
 * Remotes are git remotes: `[remote "origin"] url = …` in `.lakegit/config`, so plain git reads
 * them too. lakegit adds two keys: `lakegitchunks`, a store named with `--chunks` (it wins), and
 * `lakegitstore`, the store the remote itself names (learned at each fetch). URLs are written
 * without user-info: credentials never reach the repository.
 */
export interface RemoteInfo {
  name: string;
  url: string;
  /** The chunk store to use, if known: `--chunks`, else what the remote names. */
  chunks?: string;
}

const unknownRemote = (name: string) =>
  new UnknownRemote(`no remote '${name}'`, { remote: name }, "run 'lakegit remote -v' to list remotes");

const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export function validateRemoteName(name: string): string {
  if (!REMOTE_NAME.test(name) || name.endsWith('.lock')) throw badInput(`'${name}' is not a valid remote name`, { remote: name });
  return name;
}

/** A URL as it is stored: user-info removed; a path made absolute. */
export function storedUrl(url: string, cwd: string): string {
  if (isPathUrl(url)) return path.resolve(cwd, url.replace(/^file:\/\//i, ''));
  return redactUrl(url);
}

export async function listRemotes(ctx: RepoContext): Promise<RemoteInfo[]> {
  const out: RemoteInfo[] = [];
  for (const r of await ctx.git.listRemotes()) {
    if (r.remote.startsWith('__lakegit')) continue; // a fetch's scratch name (git-remote.ts), left by a killed one
    const chunks =
      (await ctx.git.getConfig(`remote.${r.remote}.lakegitchunks`)) ?? (await ctx.git.getConfig(`remote.${r.remote}.lakegitstore`));
    out.push({ name: r.remote, url: r.url, chunks });
  }
  // origin first: it is where a clone's chunks come from.
  return out.sort((a, b) => (a.name === 'origin' ? -1 : b.name === 'origin' ? 1 : a.name.localeCompare(b.name)));
}

export async function getRemote(ctx: RepoContext, name: string): Promise<RemoteInfo> {
  const r = (await listRemotes(ctx)).find((x) => x.name === name);
  if (!r) throw unknownRemote(name);
  return r;
}

/** The remote a command means when none is named: the branch's upstream, else `origin`, else the only one. */
export async function defaultRemote(ctx: RepoContext): Promise<string> {
  const branch = await ctx.git.currentBranch();
  const up = branch ? await ctx.git.getConfig(`branch.${branch}.remote`) : undefined;
  if (up) return up;
  const all = await listRemotes(ctx);
  if (all.some((r) => r.name === 'origin')) return 'origin';
  if (all.length === 1) return all[0].name;
  throw new NoRemote(
    all.length ? 'more than one remote and none is the default' : 'no remote is configured',
    {},
    "name one, or add one with 'lakegit remote add origin <url>'",
  );
}

export interface Upstream {
  remote: string;
  /** The remote's branch, `refs/heads/main`. */
  merge: string;
}

export async function getUpstream(ctx: RepoContext, branch: string): Promise<Upstream | undefined> {
  const remote = await ctx.git.getConfig(`branch.${branch}.remote`);
  const merge = await ctx.git.getConfig(`branch.${branch}.merge`);
  return remote && merge ? { remote, merge } : undefined;
}

export async function setUpstream(ctx: RepoContext, branch: string, up: Upstream): Promise<void> {
  await ctx.git.setConfig(`branch.${branch}.remote`, up.remote);
  await ctx.git.setConfig(`branch.${branch}.merge`, up.merge);
}

/** `refs/remotes/origin/main` for an upstream. */
export const trackingRef = (up: Upstream) => `refs/remotes/${up.remote}/${up.merge.replace(/^refs\/heads\//, '')}`;
