import { promises as fsp } from 'node:fs';
import { WouldOverwrite } from '../../errors.js';
import { statFile, type StagingIndex } from '../../store/staging.js';
import { dirtyTables } from '../checkout.js';
import { CONFIG_FILE, type RepoContext } from '../context.js';
import { changedTables } from '../history.js';
import { readManifest, type TableTree } from '../tree.js';
import { applyScripts, scriptRecord } from '../scripts.js';
import type { WorkStep } from '../pending.js';
import { writeWorkingFile } from '../workfile.js';

/** Called with a working file's path before it is replaced or deleted (conflicted merges keep it for --abort). */
export type Backup = (file: string) => Promise<void>;

/**
 * Safety first: refuse (exit 1, nothing changed) when uncommitted changes — staged or not — touch
 * a table the operation would change, or lakegit.yaml when it would change that.
 */
export async function refuseDirty(ctx: RepoContext, index: StagingIndex, ours: TableTree, result: TableTree, what: string): Promise<void> {
  const touched = changedTables(ours, result);
  const dirty = [...(await dirtyTables(ctx, index, ours, touched))].filter((t) => touched.includes(t));
  if (result.config !== ours.config && (await configDirty(ctx, index, ours))) dirty.push(CONFIG_FILE);
  if (dirty.length) {
    throw new WouldOverwrite(
      `uncommitted changes to ${dirty.map((t) => `'${t}'`).join(', ')} would be overwritten by ${what}`,
      { tables: dirty },
      `commit them first (or discard them with 'lakegit checkout --force HEAD')`,
    );
  }
  const tracked = new Set(Object.values(index.tables).map((e) => e.file));
  const clobbered: string[] = [];
  for (const name of touched) {
    const blob = result.tables.get(name);
    if (!blob || index.tables[name]) continue;
    const file = (await readManifest(ctx, blob)).source.file;
    if (!tracked.has(file) && (await statFile(ctx.abs(file)))) clobbered.push(file);
  }
  if (clobbered.length) {
    throw new WouldOverwrite(
      `untracked file(s) ${clobbered.map((f) => `'${f}'`).join(', ')} would be overwritten by ${what}`,
      { files: clobbered },
      'move or remove them first',
    );
  }
}

async function configDirty(ctx: RepoContext, index: StagingIndex, ours: TableTree): Promise<boolean> {
  if (index.config?.blob !== ours.config) return true;
  const text = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
  if (text === undefined) return ours.config !== undefined;
  return (await ctx.git.writeBlob(text)) !== ours.config;
}

/** What `applyTree` would do, as a step to record and carry out (src/ops/pending.ts); nothing is written. */
export async function planTree(
  ctx: RepoContext,
  index: StagingIndex,
  from: TableTree,
  to: TableTree,
): Promise<Pick<WorkStep, 'index' | 'write' | 'remove' | 'config' | 'scripts'> & { removed: string[] }> {
  const next: StagingIndex = { ...index, tables: { ...index.tables } };
  const write: WorkStep['write'] = [];
  const remove: string[] = [];
  const removed: string[] = [];
  const leaving = [...from.tables.keys()].filter((n) => !to.tables.has(n));
  for (const [name, blob] of to.tables) {
    if (from.tables.get(name) === blob) continue; // untouched: its uncommitted changes stay
    const m = await readManifest(ctx, blob);
    const prior = [name, ...leaving].map((n) => index.tables[n]).find((e) => e?.manifest === blob && e.file === m.source.file);
    if (prior && (await statFile(ctx.abs(m.source.file)))) {
      next.tables[name] = prior; // renamed only: the file already holds these rows
      continue;
    }
    next.tables[name] = { manifest: blob, file: m.source.file };
    write.push({ table: name, prior: index.tables[name] });
  }
  for (const name of leaving) {
    const entry = next.tables[name];
    delete next.tables[name];
    removed.push(name);
    if (entry && !Object.values(next.tables).some((e) => e.file === entry.file)) remove.push(entry.file);
  }
  let config: WorkStep['config'];
  if (to.config !== from.config) {
    config = { blob: to.config };
    if (to.config) next.config = { blob: to.config };
    else delete next.config;
  }
  // Hook scripts travel with lakegit.yaml (src/ops/scripts.ts).
  if (next.config) next.config = { ...next.config, scripts: scriptRecord(to.scripts) };
  const scripts = { from: scriptRecord(from.scripts), to: scriptRecord(to.scripts) };
  return { index: next, write, remove, config, scripts, removed };
}

/**
 * Make the index and the working files hold `to` wherever it differs from `from` (ours); other
 * tables, and their uncommitted changes, are left alone. Caller holds the lock and writes the index.
 * (For a merge stopped by conflicts, which moves no ref: `backup` keeps each file for --abort first.)
 */
export async function applyTree(
  ctx: RepoContext,
  index: StagingIndex,
  from: TableTree,
  to: TableTree,
  backup?: Backup,
): Promise<{ written: string[]; removed: string[] }> {
  const plan = await planTree(ctx, index, from, to);
  for (const { table, prior } of plan.write) {
    const entry = plan.index.tables[table];
    await backup?.(entry.file);
    // A file kept for --abort is written whole: `--abort` puts back the index and files, not line caches.
    plan.index.tables[table] = await writeWorkingFile(ctx, await readManifest(ctx, entry.manifest), entry, backup ? undefined : prior);
  }
  for (const file of plan.remove) {
    await backup?.(file);
    await fsp.rm(ctx.abs(file), { force: true });
  }
  if (plan.config) await applyConfig(ctx, plan.index, plan.config.blob, backup);
  await applyScripts(ctx, from.scripts, to.scripts, backup);
  index.tables = plan.index.tables;
  if (plan.index.config) index.config = plan.index.config;
  else delete index.config;
  return { written: plan.write.map((w) => w.table), removed: plan.removed };
}

export async function applyConfig(ctx: RepoContext, index: StagingIndex, blob: string | undefined, backup?: Backup): Promise<void> {
  await backup?.(CONFIG_FILE);
  if (blob) {
    await fsp.writeFile(ctx.abs(CONFIG_FILE), await ctx.git.readBlob(blob));
    index.config = { blob };
  } else {
    await fsp.rm(ctx.abs(CONFIG_FILE), { force: true });
    delete index.config;
  }
}
