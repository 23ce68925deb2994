import { promises as fsp } from 'node:fs';
import { corrupt, refused } from '../errors.js';
import { allChunkIds } from '../table/manifest.js';
import { readJsonIfExists, writeFileAtomic } from '../store/fsutil.js';
import type { StagedTable, StagingIndex } from '../store/staging.js';
import { CONFIG_FILE, PENDING_FILE, type RepoContext } from './context.js';
import { clearState } from './merge/state.js';
import { applyScripts, scriptMap } from './scripts.js';
import { readManifest } from './tree.js';
import { writeWorkingFile } from './workfile.js';

/**
 * One step that moves a ref and rewrites the index and working files (merge, revert, cherry-pick,
 * checkout, reset, fast-forward). Those are several files, and no file system renames several at
 * once: a process killed between them would leave HEAD on the new commit over the old index, whose
 * reverse change the next `commit` would then record. So the whole step is written down first
 * (`lakegit-pending.json`, atomically): from then on the step has happened, and whichever command
 * runs next finishes it before doing anything else (`finishPending`). A kill before it leaves
 * everything as it was.
 */
export interface WorkStep {
  verb: string;
  /** The index once done; the entries of `write` tables get their file's stat when written. */
  index: StagingIndex;
  /** Tables whose working file must come to hold their manifest in `index`, with their entry before. */
  write: { table: string; prior?: StagedTable }[];
  /** Working files to delete. */
  remove: string[];
  /** Present: lakegit.yaml becomes this blob (or is removed when the blob is absent). */
  config?: { blob?: string };
  /** The ref to move (`from` is checked, compare-and-swap, on the first attempt only); `reason` goes to its reflog. */
  ref?: { name: string; from: string | null | undefined; to: string; reason?: string };
  head?: { branch: string } | { oid: string };
  /** What HEAD's reflog says of a `head` move. */
  headReason?: string;
  /** Hook scripts versioned with lakegit.yaml (src/ops/scripts.ts): the working copies go from `from` to `to`. */
  scripts?: { from?: Record<string, string>; to?: Record<string, string> };
  /** A reset ends a merge, revert or cherry-pick in progress. */
  endsMerge?: boolean;
}

const pendingFile = (ctx: RepoContext) => ctx.stateFile(PENDING_FILE);

/** Record the step, then carry it out. The caller holds the lock. */
export async function runStep(ctx: RepoContext, step: WorkStep, onProgress?: Progress): Promise<StagingIndex> {
  if (step.ref && step.ref.from !== null) {
    // Checked before the step is recorded: a refused move must leave nothing to roll forward.
    const now = await ctx.git.resolveRef(step.ref.name);
    if (now !== step.ref.from)
      throw refused(`${step.ref.name} moved while this command ran`, { ref: step.ref.name }, 'run the command again');
  }
  // Every chunk the step will write from must be here (or fetched) first: a step recorded over
  // missing chunks could never be finished, and every later command would stop on it.
  for (const { table } of step.write) {
    const m = await readManifest(ctx, step.index.tables[table].manifest);
    await ctx.chunks.ensure(allChunkIds(m));
    const missing = [];
    for (const id of allChunkIds(m)) if (!(await ctx.chunks.has(id))) missing.push(id);
    if (missing.length)
      throw corrupt(`table '${table}' needs ${missing.length} chunk(s) that are missing, e.g. ${missing[0]}`, { table, missing });
  }
  await writeFileAtomic(pendingFile(ctx), `${JSON.stringify(step)}\n`);
  return carryOut(ctx, step, onProgress);
}

type Progress = (label: string, done: number, total: number) => void;

async function carryOut(ctx: RepoContext, step: WorkStep, onProgress?: Progress): Promise<StagingIndex> {
  if (step.ref) await ctx.git.updateRef(step.ref.name, step.ref.to, null, step.ref.reason);
  if (step.head) await ctx.git.setHead(step.head, step.headReason);
  const index: StagingIndex = { ...step.index, tables: { ...step.index.tables } };
  for (const [i, { table, prior }] of step.write.entries()) {
    const entry = index.tables[table];
    index.tables[table] = await writeWorkingFile(ctx, await readManifest(ctx, entry.manifest), entry, prior);
    onProgress?.(step.verb, i + 1, step.write.length);
  }
  for (const file of step.remove) await fsp.rm(ctx.abs(file), { force: true });
  if (step.config) {
    if (step.config.blob) {
      const text = await ctx.git.readBlob(step.config.blob);
      const now = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
      if (!now || !now.equals(text)) await fsp.writeFile(ctx.abs(CONFIG_FILE), text);
    } else await fsp.rm(ctx.abs(CONFIG_FILE), { force: true });
  }
  if (step.scripts) await applyScripts(ctx, scriptMap(step.scripts.from), scriptMap(step.scripts.to));
  await ctx.staging.write(index);
  if (step.endsMerge) await clearState(ctx);
  await fsp.rm(pendingFile(ctx), { force: true });
  return index;
}

/** Finish a step a killed process recorded but did not complete. The caller holds the lock. */
export async function finishPending(ctx: RepoContext): Promise<void> {
  const step = await readJsonIfExists<WorkStep>(pendingFile(ctx)).catch(() => undefined);
  if (!step) {
    await fsp.rm(pendingFile(ctx), { force: true }); // absent, or torn before its rename: never published
    return;
  }
  await carryOut(ctx, step);
}
