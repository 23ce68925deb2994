import { AlreadyExists, WouldOverwrite } from '../errors.js';
import { statFile, statMatches, type StagingIndex } from '../store/staging.js';
import { TableSnapshot } from '../table/snapshot.js';
import type { RepoContext } from './context.js';
import { resolveCommit, validateRefName } from './revisions.js';
import { readManifest, readTableTree, type TableTree } from './tree.js';
import { countChanges, fromSnapshot, fromWork } from './diff/rowdiff.js';
import { scriptRecord } from './scripts.js';
import { runStep, type WorkStep } from './pending.js';
import { dropWork, loadWorkingFile } from './worktree.js';

export interface CheckoutOptions {
  target: string;
  create?: string;
  force?: boolean;
  onProgress?: (label: string, done: number, total: number, unit?: string) => void;
}
export interface CheckoutResult {
  branch?: string;
  oid: string;
  written: string[];
  removed: string[];
  created?: boolean;
}

/** Tables whose working file or staged manifest differ from HEAD: what a checkout must not clobber. */
export async function dirtyTables(
  ctx: RepoContext,
  index: StagingIndex,
  headTree: TableTree,
  only?: Iterable<string>,
): Promise<Set<string>> {
  const dirty = new Set<string>();
  for (const name of new Set(only ?? [...Object.keys(index.tables), ...headTree.tables.keys()])) {
    const entry = index.tables[name];
    if (!entry && !headTree.tables.has(name)) continue; // in neither: nothing uncommitted to lose
    if (!entry || entry.manifest !== headTree.tables.get(name)) {
      dirty.add(name);
      continue;
    }
    const now = await statFile(ctx.abs(entry.file));
    if (!now || statMatches(entry.stat, now)) continue;
    if (await workingDiffers(ctx, entry.file, entry.manifest)) dirty.add(name);
  }
  return dirty;
}

/** A racy or touched file may still hold the staged rows: compare contents before calling it dirty. */
async function workingDiffers(ctx: RepoContext, file: string, blob: string): Promise<boolean> {
  const snap = new TableSnapshot(await readManifest(ctx, blob), ctx.chunks);
  const engine = await ctx.engine();
  const loaded = await loadWorkingFile(ctx, engine, file, snap.manifest.source.format, snap.manifest).catch(() => undefined);
  if (!loaded) return true;
  try {
    const c = await countChanges(engine, fromSnapshot(snap), fromWork(loaded.work, loaded.columns, snap.identity));
    return c.added + c.removed + c.modified > 0 || c.schemaChanged;
  } finally {
    await dropWork(engine, loaded.work);
  }
}

/** `checkout`: make the working files, the index and HEAD match a branch or commit. */
export async function checkout(ctx: RepoContext, opts: CheckoutOptions): Promise<CheckoutResult> {
  return ctx.locked(async () => {
    let branch: string | undefined;
    let oid: string;
    const onHead = opts.target === 'HEAD' || opts.target === '@';
    if (opts.create) {
      branch = validateRefName(opts.create, 'branch');
      if (await ctx.git.resolveRef(`refs/heads/${branch}`)) throw new AlreadyExists('branch', branch);
      if (onHead && !(await ctx.git.resolveRef('HEAD'))) {
        // No commit yet: the new branch is born with the first commit, as in git.
        await ctx.git.setHead({ branch });
        return { branch, oid: '', written: [], removed: [], created: true };
      }
      oid = await resolveCommit(ctx, opts.target);
    } else if (onHead) {
      // `checkout HEAD` restores files; it never leaves the current branch.
      branch = await ctx.git.currentBranch();
      oid = await resolveCommit(ctx, 'HEAD');
    } else if (await ctx.git.resolveRef(`refs/heads/${opts.target}`)) {
      branch = opts.target;
      oid = (await ctx.git.resolveRef(`refs/heads/${branch}`))!;
    } else {
      oid = await resolveCommit(ctx, opts.target);
    }
    // Switching to a commit HEAD already is (`checkout -b`, a branch at the same commit) keeps staged and
    // unstaged changes, as git does: there is nothing to rewrite.
    const same = (!!opts.create || !onHead) && !opts.force && oid === (await ctx.git.resolveRef('HEAD'));
    const plan = same
      ? { index: await ctx.staging.read(), write: [], remove: [], written: [], removed: [] }
      : await planWorkingTree(ctx, oid, !!opts.force);
    const from = (await ctx.git.currentBranch()) ?? (await ctx.git.resolveRef('HEAD'));
    // The new branch, HEAD, the index and the working files move as one recorded step (src/ops/pending.ts).
    await runStep(
      ctx,
      {
        verb: 'checkout',
        index: plan.index,
        write: plan.write,
        remove: plan.remove,
        config: plan.config,
        scripts: 'scripts' in plan ? plan.scripts : undefined,
        ref: opts.create
          ? { name: `refs/heads/${branch}`, from: undefined, to: oid, reason: `branch: Created from ${opts.target}` }
          : undefined,
        head: branch ? { branch } : { oid },
        headReason: `checkout: moving from ${from} to ${branch ?? opts.target}`,
      },
      opts.onProgress,
    );
    return { written: plan.written, removed: plan.removed, branch, oid, created: !!opts.create };
  });
}

export type TreePlan = Pick<WorkStep, 'index' | 'write' | 'remove' | 'config' | 'scripts'> & { written: string[]; removed: string[] };

/**
 * Plan the working files and the index for commit `oid` (nothing is written: the caller records and
 * carries out the step with the ref move). Only tables whose manifest differs from what is staged
 * (or whose file was touched) are rewritten. Caller holds the lock.
 */
export async function planWorkingTree(ctx: RepoContext, oid: string, force: boolean): Promise<TreePlan> {
  const head = await ctx.git.resolveRef('HEAD');
  const [headTree, target, index] = [await readTableTree(ctx, head), await readTableTree(ctx, oid), await ctx.staging.read()];
  const touched = [...new Set([...target.tables.keys(), ...headTree.tables.keys(), ...Object.keys(index.tables)])].filter(
    (t) => target.tables.get(t) !== headTree.tables.get(t) || target.tables.get(t) !== index.tables[t]?.manifest,
  );
  if (force) {
    // Discard every uncommitted change, including in tables the target leaves as they are.
    const dirty = await dirtyTables(ctx, index, headTree);
    return planTree(ctx, index, target, new Set([...touched, ...dirty]), dirty);
  }
  const replaced = touched.filter((t) => target.tables.get(t) !== index.tables[t]?.manifest);
  const dirty = await dirtyTables(ctx, index, headTree, replaced);
  const blocked = replaced.filter((t) => dirty.has(t));
  if (blocked.length) {
    throw new WouldOverwrite(
      `uncommitted changes to ${blocked.map((t) => `'${t}'`).join(', ')} would be overwritten`,
      { tables: blocked },
      'commit them, or use --force to discard them',
    );
  }
  await refuseUntrackedClobber(ctx, index, target);
  // A table whose staged manifest already is the target's keeps its working file, changes and all (as git carries them).
  return planTree(ctx, index, target, new Set(), new Set());
}

/** A data file the index does not track would be replaced by a table of the target: refuse, as git does. */
async function refuseUntrackedClobber(ctx: RepoContext, index: StagingIndex, target: TableTree): Promise<void> {
  const tracked = new Set(Object.values(index.tables).map((e) => e.file));
  const clobbered: string[] = [];
  for (const [name, blob] of target.tables) {
    if (index.tables[name]) continue;
    const file = (await readManifest(ctx, blob)).source.file;
    if (!tracked.has(file) && (await statFile(ctx.abs(file)))) clobbered.push(file);
  }
  if (clobbered.length) {
    throw new WouldOverwrite(
      `untracked file(s) ${clobbered.map((f) => `'${f}'`).join(', ')} would be overwritten`,
      { files: clobbered },
      'move or remove them, or use --force to overwrite them',
    );
  }
}

/**
 * `rewrite`: tables whose working file must be written even if the staged manifest already matches;
 * `dirty`: tables whose file no longer holds its staged rows (written whole, not patched).
 */
async function planTree(
  ctx: RepoContext,
  index: StagingIndex,
  target: TableTree,
  rewrite: Set<string>,
  dirty: Set<string>,
): Promise<TreePlan> {
  const plan: TreePlan = { index: { version: 1, tables: {} }, write: [], remove: [], written: [], removed: [] };
  for (const name of target.tables.keys()) {
    const blob = target.tables.get(name)!;
    const m = await readManifest(ctx, blob);
    const current = index.tables[name];
    const now = await statFile(ctx.abs(m.source.file));
    if (current?.manifest === blob && current.file === m.source.file && now && !rewrite.has(name)) {
      plan.index.tables[name] = current;
      continue;
    }
    plan.index.tables[name] = { manifest: blob, file: m.source.file };
    plan.write.push({ table: name, prior: dirty.has(name) ? undefined : current });
    plan.written.push(name);
  }
  for (const [name, entry] of Object.entries(index.tables)) {
    if (target.tables.has(name)) continue;
    const stillUsed = Object.values(plan.index.tables).some((e) => e.file === entry.file);
    if (!stillUsed) plan.remove.push(entry.file);
    plan.removed.push(name);
  }
  if (target.config) {
    plan.config = { blob: target.config };
    plan.index.config = { blob: target.config, ...(target.scripts?.size ? { scripts: scriptRecord(target.scripts) } : {}) };
  } else if (index.config) plan.config = {};
  plan.scripts = { from: index.config?.scripts, to: scriptRecord(target.scripts) };
  return plan;
}

/**
 * The working files and the index for commit `oid`, planned and carried out as one recorded step
 * with no ref move (for `clone`, which moves HEAD itself, and `stash`, which stays on HEAD).
 */
export async function updateWorkingTree(ctx: RepoContext, oid: string, force: boolean): Promise<{ written: string[]; removed: string[] }> {
  const plan = await planWorkingTree(ctx, oid, force);
  const { index, write, remove, config, scripts } = plan;
  await runStep(ctx, { verb: 'checkout', index, write, remove, config, scripts });
  return { written: plan.written, removed: plan.removed };
}
