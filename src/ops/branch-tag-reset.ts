import { AlreadyExists, UnknownBranch, UnknownTag, refused } from '../errors.js';
import type { RepoContext } from './context.js';
import { resolveIdentity } from './identity.js';
import { resolveCommit, validateRefName } from './revisions.js';
import { planWorkingTree } from './checkout.js';
import { runStep, type WorkStep } from './pending.js';
import { preRefGate } from './gates.js';
import { readManifest, readTableTree } from './tree.js';

export interface BranchInfo {
  name: string;
  commit: string;
  current: boolean;
}

export async function listBranches(ctx: RepoContext): Promise<BranchInfo[]> {
  const current = await ctx.git.currentBranch();
  const out: BranchInfo[] = [];
  for (const name of await ctx.git.listBranches()) {
    out.push({ name, commit: (await ctx.git.resolveRef(`refs/heads/${name}`))!, current: name === current });
  }
  return out;
}

/** Creating a branch writes one ref: no rows are copied. */
export async function createBranch(ctx: RepoContext, name: string, start = 'HEAD', force = false): Promise<string> {
  validateRefName(name, 'branch');
  return ctx.locked(async () => {
    const old = await ctx.git.resolveRef(`refs/heads/${name}`);
    if (old && !force) throw new AlreadyExists('branch', name, undefined, `use 'lakegit branch -f ${name} <start>' to move it`);
    if (old && name === (await ctx.git.currentBranch())) {
      throw refused(`cannot force-update the checked-out branch '${name}'`, { branch: name }, `use 'lakegit reset' to move it`);
    }
    const oid = await resolveCommit(ctx, start);
    if (old && oid !== old) await preRefGate(ctx, { branch: name, from: old, to: oid, event: 'reset' });
    await ctx.git.updateRef(`refs/heads/${name}`, oid, old, old ? `branch: Reset to ${start}` : `branch: Created from ${start}`);
    return oid;
  });
}

export async function deleteBranch(ctx: RepoContext, name: string, force: boolean): Promise<string> {
  return ctx.locked(async () => {
    const oid = await ctx.git.resolveRef(`refs/heads/${name}`);
    if (!oid) throw new UnknownBranch(name);
    if (name === (await ctx.git.currentBranch())) throw refused(`cannot delete the checked-out branch '${name}'`, { branch: name });
    const head = await ctx.git.resolveRef('HEAD');
    if (!force && head && !(await ctx.git.isAncestor(oid, head))) {
      throw refused(`branch '${name}' is not fully merged`, { branch: name }, `use 'lakegit branch -D ${name}' to delete it anyway`);
    }
    await ctx.git.deleteRef(`refs/heads/${name}`);
    return oid;
  });
}

export async function renameBranch(ctx: RepoContext, from: string, to: string): Promise<string> {
  validateRefName(to, 'branch');
  return ctx.locked(async () => {
    const oid = await ctx.git.resolveRef(`refs/heads/${from}`);
    if (!oid) throw new UnknownBranch(from);
    if (await ctx.git.resolveRef(`refs/heads/${to}`)) throw new AlreadyExists('branch', to);
    // The log moves with the branch, as in git; the new name's first move is the rename itself.
    await ctx.git.renameReflog(`refs/heads/${from}`, `refs/heads/${to}`);
    await ctx.git.updateRef(`refs/heads/${to}`, oid, undefined, `Branch: renamed refs/heads/${from} to refs/heads/${to}`);
    if ((await ctx.git.currentBranch()) === from) await ctx.git.setHead({ branch: to });
    await ctx.git.deleteRef(`refs/heads/${from}`, { keepLog: true });
    return oid;
  });
}

export async function listTags(ctx: RepoContext): Promise<string[]> {
  return ctx.git.listTags();
}

export async function createTag(ctx: RepoContext, name: string, rev = 'HEAD', message?: string): Promise<string> {
  validateRefName(name, 'tag');
  return ctx.locked(async () => {
    if (await ctx.git.resolveRef(`refs/tags/${name}`)) throw new AlreadyExists('tag', name);
    const oid = await resolveCommit(ctx, rev);
    const target = message ? await ctx.git.writeTag(name, oid, message, await resolveIdentity(ctx)) : oid;
    await ctx.git.updateRef(`refs/tags/${name}`, target, undefined);
    return oid;
  });
}

/** Deletes the tag; the commit it named. */
export async function deleteTag(ctx: RepoContext, name: string): Promise<string> {
  return ctx.locked(async () => {
    const oid = await ctx.git.resolveRef(`refs/tags/${name}`);
    if (!oid) throw new UnknownTag(name);
    const commit = await resolveCommit(ctx, `refs/tags/${name}`);
    await ctx.git.deleteRef(`refs/tags/${name}`);
    return commit;
  });
}

export type ResetMode = 'soft' | 'mixed' | 'hard';

/** `reset`: move the branch; --mixed also resets the index, --hard the working files too. */
export async function reset(ctx: RepoContext, rev: string, mode: ResetMode): Promise<string> {
  return ctx.locked(async () => {
    const oid = await resolveCommit(ctx, rev);
    const head = await ctx.git.resolveRef('HEAD');
    const branch = await ctx.git.currentBranch();
    if (oid !== head) await preRefGate(ctx, { branch, from: head, to: oid, event: 'reset' });
    const index = await ctx.staging.read();
    let plan: Pick<WorkStep, 'index' | 'write' | 'remove' | 'config' | 'scripts'> = { index, write: [], remove: [] };
    if (mode === 'hard') {
      plan = await planWorkingTree(ctx, oid, true);
    } else if (mode === 'mixed') {
      const target = await readTableTree(ctx, oid);
      const next = { version: 1 as const, tables: {} as typeof index.tables, config: target.config ? { blob: target.config } : undefined };
      for (const [name, blob] of target.tables) {
        const cur = index.tables[name];
        next.tables[name] = cur?.manifest === blob ? cur : { manifest: blob, file: (await readManifest(ctx, blob)).source.file };
      }
      plan.index = next;
    }
    // The branch, the index and the working files move as one recorded step (src/ops/pending.ts); as in git,
    // a reset ends a merge, revert or cherry-pick in progress.
    const { index: next, write, remove, config, scripts } = plan;
    await runStep(ctx, {
      verb: 'reset',
      index: next,
      write,
      remove,
      config,
      scripts,
      ref: { name: branch ? `refs/heads/${branch}` : 'HEAD', from: head, to: oid, reason: `reset: moving to ${rev}` },
      endsMerge: true,
    });
    return oid;
  });
}
