import { promises as fsp } from 'node:fs';
import { WouldOverwrite } from '../../errors.js';
import { settledStat, statFile, type StagingIndex } from '../../store/staging.js';
import { writeSnapshot } from '../../table/ordered-write.js';
import { TableSnapshot } from '../../table/snapshot.js';
import { dirtyTables } from '../checkout.js';
import { CONFIG_FILE, type RepoContext } from '../context.js';
import { changedTables } from '../history.js';
import { readManifest, type TableTree } from '../tree.js';
import { applyScripts, scriptRecord } from '../scripts.js';

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

/**
 * Make the index and the working files hold `to` wherever it differs from `from` (ours); other
 * tables, and their uncommitted changes, are left alone. Caller holds the lock and writes the index.
 */
export async function applyTree(
  ctx: RepoContext,
  index: StagingIndex,
  from: TableTree,
  to: TableTree,
  backup?: Backup,
): Promise<{ written: string[]; removed: string[] }> {
  const written: string[] = [];
  const removed: string[] = [];
  const leaving = [...from.tables.keys()].filter((n) => !to.tables.has(n));
  for (const [name, blob] of to.tables) {
    if (from.tables.get(name) === blob) continue; // untouched: its uncommitted changes stay
    const m = await readManifest(ctx, blob);
    const prior = [name, ...leaving].map((n) => index.tables[n]).find((e) => e?.manifest === blob && e.file === m.source.file);
    const now = await statFile(ctx.abs(m.source.file));
    if (prior && now) {
      index.tables[name] = prior; // renamed only: the file already holds these rows
      continue;
    }
    await backup?.(m.source.file);
    await writeSnapshot(await ctx.engine(), new TableSnapshot(m, ctx.chunks), ctx.abs(m.source.file), m.source.format, {
      delimiter: m.source.delimiter,
    });
    index.tables[name] = { manifest: blob, file: m.source.file, stat: await settledStat(ctx.abs(m.source.file)) };
    written.push(name);
  }
  for (const name of leaving) {
    const entry = index.tables[name];
    delete index.tables[name];
    removed.push(name);
    if (!entry || Object.values(index.tables).some((e) => e.file === entry.file)) continue;
    await backup?.(entry.file);
    await fsp.rm(ctx.abs(entry.file), { force: true });
  }
  if (to.config !== from.config) await applyConfig(ctx, index, to.config, backup);
  await applyScripts(ctx, from.scripts, to.scripts, backup);
  if (index.config) index.config.scripts = scriptRecord(to.scripts);
  return { written, removed };
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
