import { promises as fsp } from 'node:fs';
import { AlreadyExists, WouldOverwrite } from '../errors.js';
import { settledStat, statFile, statMatches, type StagingIndex } from '../store/staging.js';
import { writeSnapshot } from '../table/ordered-write.js';
import { TableSnapshot } from '../table/snapshot.js';
import { CONFIG_FILE, type RepoContext } from './context.js';
import { resolveCommit, validateRefName } from './revisions.js';
import { readManifest, readTableTree, type TableTree } from './tree.js';
import { countChanges, fromSnapshot, fromWork } from './diff/rowdiff.js';
import { applyScripts, scriptMap, scriptRecord } from './scripts.js';
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
    const result = same ? { written: [], removed: [] } : await updateWorkingTree(ctx, oid, !!opts.force, opts.onProgress);
    const from = (await ctx.git.currentBranch()) ?? (await ctx.git.resolveRef('HEAD'));
    if (opts.create) await ctx.git.updateRef(`refs/heads/${branch}`, oid, undefined, `branch: Created from ${opts.target}`);
    await ctx.git.setHead(branch ? { branch } : { oid }, `checkout: moving from ${from} to ${branch ?? opts.target}`);
    return { ...result, branch, oid, created: !!opts.create };
  });
}

/**
 * Write the working files and the index for commit `oid`. Only tables whose manifest differs from
 * what is staged (or whose file was touched) are rewritten. Caller holds the lock and moves HEAD.
 */
export async function updateWorkingTree(
  ctx: RepoContext,
  oid: string,
  force: boolean,
  onProgress?: CheckoutOptions['onProgress'],
): Promise<{ written: string[]; removed: string[] }> {
  const head = await ctx.git.resolveRef('HEAD');
  const [headTree, target, index] = [await readTableTree(ctx, head), await readTableTree(ctx, oid), await ctx.staging.read()];
  const touched = [...new Set([...target.tables.keys(), ...headTree.tables.keys(), ...Object.keys(index.tables)])].filter(
    (t) => target.tables.get(t) !== headTree.tables.get(t) || target.tables.get(t) !== index.tables[t]?.manifest,
  );
  if (force) {
    // Discard every uncommitted change, including in tables the target leaves as they are.
    const dirty = await dirtyTables(ctx, index, headTree);
    return writeTree(ctx, index, target, new Set([...touched, ...dirty]), onProgress);
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
  return writeTree(ctx, index, target, new Set(), onProgress);
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

/** `rewrite`: tables whose working file must be written even if the staged manifest already matches. */
async function writeTree(
  ctx: RepoContext,
  index: StagingIndex,
  target: TableTree,
  rewrite: Set<string>,
  onProgress?: CheckoutOptions['onProgress'],
): Promise<{ written: string[]; removed: string[] }> {
  const written: string[] = [];
  const removed: string[] = [];
  const next: StagingIndex = { version: 1, tables: {} };
  const names = [...target.tables.keys()];
  for (const [i, name] of names.entries()) {
    const blob = target.tables.get(name)!;
    const m = await readManifest(ctx, blob);
    const current = index.tables[name];
    const now = await statFile(ctx.abs(m.source.file));
    if (current?.manifest === blob && current.file === m.source.file && now && !rewrite.has(name)) {
      next.tables[name] = current;
      continue;
    }
    const engine = await ctx.engine();
    await writeSnapshot(engine, new TableSnapshot(m, ctx.chunks), ctx.abs(m.source.file), m.source.format, {
      delimiter: m.source.delimiter,
    });
    next.tables[name] = { manifest: blob, file: m.source.file, stat: await settledStat(ctx.abs(m.source.file)) };
    written.push(name);
    onProgress?.('checkout', i + 1, names.length, 'tables');
  }
  for (const [name, entry] of Object.entries(index.tables)) {
    if (target.tables.has(name)) continue;
    const stillUsed = Object.values(next.tables).some((e) => e.file === entry.file);
    if (!stillUsed) await fsp.rm(ctx.abs(entry.file), { force: true });
    removed.push(name);
  }
  if (target.config) {
    const text = await ctx.git.readBlob(target.config);
    const now = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
    if (!now || !now.equals(text)) await fsp.writeFile(ctx.abs(CONFIG_FILE), text);
    next.config = { blob: target.config, ...(target.scripts?.size ? { scripts: scriptRecord(target.scripts) } : {}) };
  } else if (index.config) {
    await fsp.rm(ctx.abs(CONFIG_FILE), { force: true });
  }
  await applyScripts(ctx, scriptMap(index.config?.scripts), target.scripts);
  await ctx.staging.write(next);
  return { written, removed };
}
