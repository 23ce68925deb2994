import { badInput, refused } from '../errors.js';
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
export async function createBranch(ctx: RepoContext, name: string, start = 'HEAD'): Promise<string> {
  validateRefName(name, 'branch');
  return ctx.locked(async () => {
    if (await ctx.git.resolveRef(`refs/heads/${name}`)) throw badInput(`a branch named '${name}' already exists`, { branch: name });
    const oid = await resolveCommit(ctx, start);
    await ctx.git.updateRef(`refs/heads/${name}`, oid, undefined);
    return oid;
  });
}

export async function deleteBranch(ctx: RepoContext, name: string, force: boolean): Promise<string> {
  return ctx.locked(async () => {
    const oid = await ctx.git.resolveRef(`refs/heads/${name}`);
    if (!oid) throw badInput(`no branch named '${name}'`, { branch: name });
    if (name === (await ctx.git.currentBranch())) throw refused(`cannot delete the checked-out branch '${name}'`, { branch: name });
    const head = await ctx.git.resolveRef('HEAD');
    if (!force && head && !(await ctx.git.isAncestor(oid, head))) {
      throw refused(`branch '${name}' is not fully merged`, { branch: name }, `use 'lakegit branch -D ${name}' to delete it anyway`);
    }
    await ctx.git.deleteRef(`refs/heads/${name}`);
    return oid;
  });
}

export async function renameBranch(ctx: RepoContext, from: string, to: string): Promise<void> {
  validateRefName(to, 'branch');
  await ctx.locked(async () => {
    const oid = await ctx.git.resolveRef(`refs/heads/${from}`);
    if (!oid) throw badInput(`no branch named '${from}'`, { branch: from });
    if (await ctx.git.resolveRef(`refs/heads/${to}`)) throw badInput(`a branch named '${to}' already exists`, { branch: to });
    await ctx.git.updateRef(`refs/heads/${to}`, oid, undefined);
    if ((await ctx.git.currentBranch()) === from) await ctx.git.setHead({ branch: to });
    await ctx.git.deleteRef(`refs/heads/${from}`);
  });
}

export async function listTags(ctx: RepoContext): Promise<string[]> {
  return ctx.git.listTags();
}

export async function createTag(ctx: RepoContext, name: string, rev = 'HEAD', message?: string): Promise<string> {
  validateRefName(name, 'tag');
  return ctx.locked(async () => {
    if (await ctx.git.resolveRef(`refs/tags/${name}`)) throw badInput(`a tag named '${name}' already exists`, { tag: name });
    const oid = await resolveCommit(ctx, rev);
    const target = message ? await ctx.git.writeTag(name, oid, message, await resolveIdentity(ctx)) : oid;
    await ctx.git.updateRef(`refs/tags/${name}`, target, undefined);
    return oid;
  });
}

export async function deleteTag(ctx: RepoContext, name: string): Promise<void> {
  await ctx.locked(async () => {
    if (!(await ctx.git.resolveRef(`refs/tags/${name}`))) throw badInput(`no tag named '${name}'`, { tag: name });
    await ctx.git.deleteRef(`refs/tags/${name}`);
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
    let plan: Pick<WorkStep, 'index' | 'write' | 'remove' | 'config'> = { index, write: [], remove: [] };
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
    const { index: next, write, remove, config } = plan;
    await runStep(ctx, {
      verb: 'reset',
      index: next,
      write,
      remove,
      config,
      ref: { name: branch ? `refs/heads/${branch}` : 'HEAD', from: head, to: oid },
      endsMerge: true,
    });
    return oid;
  });
}
