import { badInput } from '../../errors.js';
import { redactUrl } from '../../store/remote-store.js';
import { remoteNotesRef } from '../checks/notes.js';
import type { RepoContext } from '../context.js';
import { getRemote, listRemotes, storedUrl, validateRemoteName, type RemoteInfo } from './config.js';

/** `remote add <name> <url> [--chunks <store>]`: user-info is dropped from what is stored. */
export async function addRemote(ctx: RepoContext, name: string, url: string, opts: { chunks?: string; cwd: string }): Promise<RemoteInfo> {
  validateRemoteName(name);
  return ctx.locked(async () => {
    if ((await listRemotes(ctx)).some((r) => r.name === name))
      throw badInput(`remote '${name}' already exists`, { remote: name }, `change its URL with 'lakegit remote set-url ${name} <url>'`);
    await ctx.git.setConfig(`remote.${name}.url`, storedUrl(url, opts.cwd));
    await ctx.git.setConfig(`remote.${name}.fetch`, `+refs/heads/*:refs/remotes/${name}/*`);
    if (opts.chunks) await ctx.git.setConfig(`remote.${name}.lakegitchunks`, storedChunks(opts.chunks, opts.cwd));
    return getRemote(ctx, name);
  });
}

const storedChunks = (url: string, cwd: string) => (/^s3:\/\//i.test(url) ? redactUrl(url) : storedUrl(url, cwd));

/** `remote remove <name>`: its config, its remote-tracking refs and recorded passes, and the upstreams naming it. */
export async function removeRemote(ctx: RepoContext, name: string): Promise<void> {
  await getRemote(ctx, name);
  await ctx.locked(async () => {
    for (const b of await ctx.git.listRemoteBranches(name)) await ctx.git.deleteRef(`refs/remotes/${name}/${b}`).catch(() => undefined);
    await ctx.git.deleteRef(`refs/remotes/${name}/HEAD`).catch(() => undefined);
    await ctx.git.deleteRef(remoteNotesRef(name)).catch(() => undefined);
    for (const b of await ctx.git.listBranches()) {
      if ((await ctx.git.getConfig(`branch.${b}.remote`)) === name) {
        await ctx.git.setConfig(`branch.${b}.remote`, undefined);
        await ctx.git.setConfig(`branch.${b}.merge`, undefined);
      }
    }
    await ctx.git.deleteRemote(name);
  });
}

/** `remote set-url <name> <url> [--chunks <store>]`. */
export async function setRemoteUrl(
  ctx: RepoContext,
  name: string,
  url: string,
  opts: { chunks?: string; cwd: string },
): Promise<RemoteInfo> {
  await getRemote(ctx, name);
  return ctx.locked(async () => {
    await ctx.git.setConfig(`remote.${name}.url`, storedUrl(url, opts.cwd));
    await ctx.git.setConfig(`remote.${name}.lakegitstore`, undefined);
    if (opts.chunks) await ctx.git.setConfig(`remote.${name}.lakegitchunks`, storedChunks(opts.chunks, opts.cwd));
    return getRemote(ctx, name);
  });
}
