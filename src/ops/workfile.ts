import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { StagedTable } from '../store/staging.js';
import { rewriteKeylessFile } from '../table/keyless-write.js';
import { buildLineIndex, type LineIndexRef } from '../table/lineindex.js';
import type { Manifest } from '../table/manifest.js';
import { writeSnapshot } from '../table/ordered-write.js';
import { patchTextFile } from '../table/patch-write.js';
import { TableSnapshot } from '../table/snapshot.js';
import { linesDir, type RepoContext } from './context.js';
import { readManifest } from './tree.js';
import { settledStat, statFile } from '../store/staging.js';
import { dropWork, loadWorkingFile } from './worktree.js';
import { csvDelimiter } from '../table/csvcheck.js';

/**
 * Make a table's working file hold manifest `m` and return its index entry. When the file still is
 * what `prior` (its entry before) recorded and has a line index, only the changed rows' lines are
 * written (src/table/patch-write.ts), so the file keeps its row order and the cost follows the
 * change. A keyless file that exists is brought to `m` in place (src/table/keyless-write.ts): its
 * rows keep their order, whatever it holds now. Otherwise the whole file is written in identity
 * order. Either way its stat is recorded, so the next `status` trusts it without reading it, and a
 * patched keyed file keeps a line index for the next write.
 */
export async function writeWorkingFile(ctx: RepoContext, m: Manifest, target: StagedTable, prior?: StagedTable): Promise<StagedTable> {
  const abs = ctx.abs(m.source.file);
  const engine = await ctx.engine();
  const lines = await patchable(ctx, m, prior).catch(() => undefined);
  if (lines)
    return { manifest: target.manifest, file: m.source.file, stat: await settledStat(abs), lines: { ...lines, manifest: target.manifest } };
  if (!m.key && (await keylessInPlace(ctx, m).catch(() => false)))
    return { manifest: target.manifest, file: m.source.file, stat: await settledStat(abs) };
  await writeSnapshot(engine, new TableSnapshot(m, ctx.chunks), abs, m.source.format, { delimiter: m.source.delimiter });
  return { manifest: target.manifest, file: m.source.file, stat: await settledStat(abs) };
}

async function patchable(ctx: RepoContext, m: Manifest, prior?: StagedTable): Promise<StagedTable['lines'] | undefined> {
  if (!prior?.stat || prior.file !== m.source.file || m.source.format === 'parquet' || !m.key) return undefined;
  // The caller has checked the file holds `prior`'s rows (or refused the operation): an unmoved stat says it is still that file.
  const now = await statFile(ctx.abs(m.source.file));
  if (!now || now.size !== prior.stat.size || now.mtimeMs !== prior.stat.mtimeMs || now.ino !== prior.stat.ino) return undefined;
  const before = await readManifest(ctx, prior.manifest);
  const dir = linesDir(ctx);
  const lines = prior.lines?.manifest === prior.manifest ? prior.lines : await indexLines(ctx, prior, before);
  if (!lines) return undefined;
  const next = await patchTextFile(await ctx.engine(), ctx.chunks, { abs: ctx.abs(m.source.file), before, after: m, lines, linesDir: dir });
  if (next && next.file !== lines.file) await fsp.rm(path.join(dir, lines.file), { force: true });
  return next && { ...next, manifest: prior.manifest };
}

/**
 * A file staged by `add` and unchanged since has no line index: read it once to make one, so even
 * the first write keeps the file's order (a full write would sort it by key).
 */
async function indexLines(ctx: RepoContext, prior: StagedTable, before: Manifest): Promise<LineIndexRef | undefined> {
  if (!before.key) return undefined;
  const engine = await ctx.engine();
  const loaded = await loadWorkingFile(ctx, engine, prior.file, before.source.format, before);
  try {
    return await buildLineIndex(engine, linesDir(ctx), ctx.abs(prior.file), before.source.format, loaded.work, before.key);
  } finally {
    await dropWork(engine, loaded.work);
  }
}

/**
 * A keyless file is matched with `m` by its rows, not by what it held before: so a file with other
 * rows (a `--force` over edits, `restore`, `stash`) keeps the order of the rows it shares with `m`
 * too. False when it cannot be done in place: no such file, Parquet, a file that does not read
 * with `m`'s columns and types, or lines that are not one row each.
 */
async function keylessInPlace(ctx: RepoContext, m: Manifest): Promise<boolean> {
  if (m.key || m.source.format === 'parquet' || !(await statFile(ctx.abs(m.source.file)))) return false;
  if (m.source.format === 'csv' && csvDelimiter(ctx.abs(m.source.file)) !== (m.source.delimiter ?? ',')) return false;
  const engine = await ctx.engine();
  const loaded = await loadWorkingFile(ctx, engine, m.source.file, m.source.format, m);
  try {
    if (JSON.stringify(loaded.columns) !== JSON.stringify(m.columns)) return false;
    return await rewriteKeylessFile(engine, ctx.chunks, { abs: ctx.abs(m.source.file), after: m, work: loaded.work });
  } finally {
    await dropWork(engine, loaded.work);
  }
}
