import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import {
  recordStat,
  statFile,
  statMatches,
  unchangedWhileRead,
  type FileStat,
  type StagedTable,
  type StagingIndex,
} from '../store/staging.js';
import { applyDelta, stageRows, validateKey } from '../table/changes.js';
import { sourceOf } from '../table/files.js';
import { buildLineIndex, type LineIndexRef } from '../table/lineindex.js';
import { lineDelta } from '../table/linedelta.js';
import { dropReplaced } from '../table/lineslots.js';
import type { Manifest, SourceFile } from '../table/manifest.js';
import { OP } from '../table/snapshot.js';
import { linesDir, type RepoContext } from './context.js';
import { readManifest, writeManifest } from './tree.js';
import { dropWork, loadWorkingFile } from './worktree.js';

/*
 * A tracked table's file read again: through its line index when it can (only new lines are
 * parsed), else every row. `add`, `commit -a` and `stash` stage this way; `status` counts this way.
 */

/** Re-read a tracked table's file if it may have changed; returns whether the staged manifest moved. */
export async function stageTracked(
  ctx: RepoContext,
  index: StagingIndex,
  name: string,
  opts: { onProgress?: (label: string, done: number, total: number) => void } = {},
  types?: Record<string, string>,
): Promise<boolean> {
  const entry = index.tables[name];
  const now = await statFile(ctx.abs(entry.file));
  if (!types && now && statMatches(entry.stat, now)) return false;
  const read = await readManifest(ctx, entry.manifest);
  // New fixed types re-read the whole file with them (and are kept from then on).
  const prev = types ? { ...read, source: withTypes(read.source, { ...read.source.types, ...types }) } : read;
  const engine: Engine = await ctx.engine();
  const staged = (!types && (await stageByLines(ctx, engine, entry, prev))) || (await stageByRows(ctx, engine, entry, prev));
  const blob = await writeManifest(ctx, staged.manifest);
  index.tables[name] = { ...entry, manifest: blob, stat: staged.stat, lines: staged.lines && { ...staged.lines, manifest: blob } };
  // A replaced line index is garbage at once: if this command dies first, the index names a missing cache and
  // the next stage just takes the full path.
  await dropReplaced(linesDir(ctx), entry.lines, staged.lines);
  opts.onProgress?.(`staged ${name}`, 1, 1);
  return blob !== entry.manifest;
}

interface Staged {
  manifest: Manifest;
  stat: FileStat;
  lines?: LineIndexRef;
}

/** The cheap path: only the lines whose hash is new are parsed (see src/table/linedelta.ts). */
async function stageByLines(ctx: RepoContext, engine: Engine, entry: StagedTable, prev: Manifest): Promise<Staged | undefined> {
  // The index describes the file as it was when this very manifest was staged, or it is stale.
  if (!entry.lines || entry.lines.manifest !== entry.manifest || !prev.key) return undefined;
  const at = Date.now();
  const before = await statFile(ctx.abs(entry.file));
  const found = await lineDelta(engine, ctx.chunks, linesDir(ctx), ctx.abs(entry.file), prev, entry.lines);
  if (!found) return undefined;
  try {
    const after = await statFile(ctx.abs(entry.file));
    if (!unchangedWhileRead(before, after)) return undefined;
    const manifest = await applyDelta(engine, ctx.chunks, prev, found.delta, { ...prev.source, file: entry.file });
    return { manifest, stat: recordStat(before!, at), lines: found.index };
  } finally {
    await dropWork(engine, found.delta);
  }
}

/** The full path: load every row, validate the key, diff against the staged snapshot. */
async function stageByRows(ctx: RepoContext, engine: Engine, entry: StagedTable, prev: Manifest): Promise<Staged> {
  const loaded = await loadWorkingFile(ctx, engine, entry.file, prev.source.format, prev);
  try {
    if (prev.key) await validateKey(engine, loaded.work, loaded.columns, prev.key, entry.file);
    const manifest = await stageRows(engine, ctx.chunks, {
      work: loaded.work,
      columns: loaded.columns,
      key: prev.key,
      prev,
      chunking: prev.chunking,
      source: withTypes(sourceOf(entry.file, ctx.abs(entry.file), prev.source.format), prev.source.types),
    });
    const lines = manifest.key
      ? await buildLineIndex(engine, linesDir(ctx), ctx.abs(entry.file), manifest.source.format, loaded.work, manifest.key)
      : undefined;
    return { manifest, stat: loaded.stat, lines };
  } finally {
    await dropWork(engine, loaded.work);
  }
}

export const withTypes = (source: SourceFile, types: Record<string, string> | undefined): SourceFile =>
  types && Object.keys(types).length ? { ...source, types } : source;

/** Unstaged row counts of a tracked text file through its line index, for `status`; undefined if unusable. */
export async function countByLines(
  ctx: RepoContext,
  entry: StagedTable,
  prev: Manifest,
): Promise<{ added: number; removed: number; modified: number } | undefined> {
  if (!entry.lines || entry.lines.manifest !== entry.manifest || !prev.key) return undefined;
  const engine = await ctx.engine();
  const found = await lineDelta(engine, ctx.chunks, linesDir(ctx), ctx.abs(entry.file), prev, entry.lines, false);
  if (!found) return undefined;
  try {
    const rows = await engine.all(`SELECT ${quoteIdent(OP)} AS op, count(*) AS n FROM ${quoteIdent(found.delta)} GROUP BY 1`);
    const n = (op: string) => Number(rows.find((r) => r.op === op)?.n ?? 0);
    return { added: n('added'), removed: n('removed'), modified: n('modified') };
  } finally {
    await dropWork(engine, found.delta);
  }
}
