import type { StagedTable } from '../store/staging.js';
import { writeKeylessFile } from '../table/keyless-write.js';
import { buildLineIndex, type LineIndexRef } from '../table/lineindex.js';
import { dropReplaced, isCurrentIndex } from '../table/lineslots.js';
import type { Manifest } from '../table/manifest.js';
import { writeSnapshot } from '../table/ordered-write.js';
import { patchTextFile } from '../table/patch-write.js';
import { TableSnapshot } from '../table/snapshot.js';
import { linesDir, type RepoContext } from './context.js';
import { readManifest } from './tree.js';
import { settledStat, statFile } from '../store/staging.js';
import { dropWork, loadWorkingFile } from './worktree.js';

/**
 * Make a table's working file hold manifest `m` and return its index entry. When the file still is
 * what `prior` (its entry before) recorded and has a line index, only the changed rows' lines are
 * written (src/table/patch-write.ts), so the file keeps its row order and the cost follows the
 * change. A keyless text file that exists is brought to `m` by removing and appending lines
 * (src/table/keyless-write.ts), so its rows keep their order. Otherwise the whole file is written in identity
 * order. Either way its stat is recorded, so the next `status` trusts it without reading it, and a
 * patched keyed file keeps a line index for the next write.
 */
export async function writeWorkingFile(ctx: RepoContext, m: Manifest, target: StagedTable, prior?: StagedTable): Promise<StagedTable> {
  const abs = ctx.abs(m.source.file);
  const engine = await ctx.engine();
  const lines = await patchable(ctx, m, prior).catch(() => undefined);
  if (lines)
    return { manifest: target.manifest, file: m.source.file, stat: await settledStat(abs), lines: { ...lines, manifest: target.manifest } };
  // A keyless text file keeps the order of the rows it shares with `m`, whatever it holds now
  // (after a `--force` over edits, `stash`, `restore` too); a missing one is written whole.
  if (!m.key && m.source.format !== 'parquet' && (await statFile(abs))) await writeKeylessFile(engine, ctx.chunks, abs, m);
  else await writeSnapshot(engine, new TableSnapshot(m, ctx.chunks), abs, m.source.format, { delimiter: m.source.delimiter });
  // Written whole, the file has no line index; the one of its former content describes nothing now.
  if (prior?.lines && prior.file === m.source.file) await dropReplaced(linesDir(ctx), prior.lines, undefined);
  return { manifest: target.manifest, file: m.source.file, stat: await settledStat(abs) };
}

async function patchable(ctx: RepoContext, m: Manifest, prior?: StagedTable): Promise<StagedTable['lines'] | undefined> {
  if (!prior?.stat || prior.file !== m.source.file || m.source.format === 'parquet' || !m.key) return undefined;
  // The caller has checked the file holds `prior`'s rows (or refused the operation): an unmoved stat says it is still that file.
  const now = await statFile(ctx.abs(m.source.file));
  if (!now || now.size !== prior.stat.size || now.mtimeMs !== prior.stat.mtimeMs || now.ino !== prior.stat.ino) return undefined;
  const before = await readManifest(ctx, prior.manifest);
  const dir = linesDir(ctx);
  // An index of a former format (lineslots.ts) is rebuilt like a missing one.
  const current = prior.lines?.manifest === prior.manifest && isCurrentIndex(prior.lines);
  const lines = current ? prior.lines : await indexLines(ctx, prior, before);
  if (!lines) return undefined;
  let next: LineIndexRef | undefined;
  try {
    // The patch's statements read the changed rows and their index entries: one thread does them for less CPU than two.
    const engine = await ctx.engine();
    next = await engine.withThreads(1, () =>
      patchTextFile(engine, ctx.chunks, { abs: ctx.abs(m.source.file), before, after: m, lines, linesDir: dir }),
    );
  } finally {
    // Index files no entry will name are garbage at once (a cache must not outgrow the data until `gc`).
    if (next || lines !== prior.lines) await dropReplaced(dir, lines, next);
    if (next && lines !== prior.lines) await dropReplaced(dir, prior.lines, next);
  }
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
