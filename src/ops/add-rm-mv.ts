import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { AlreadyExists, InvalidKey, UnknownTable, UsageError, WouldOverwrite } from '../errors.js';
import { dirtyTables } from './checkout.js';
import {
  recordStat,
  statFile,
  statMatches,
  unchangedWhileRead,
  type FileStat,
  type StagedTable,
  type StagingIndex,
} from '../store/staging.js';
import { DEFAULT_CHUNKING } from '../table/chunker.js';
import { applyDelta, chunkFresh, stageRows, validateKey, validateKeyColumns } from '../table/changes.js';
import { buildLineIndex, lineDelta, type LineIndexRef } from '../table/lineindex.js';
import { dropReplaced } from '../table/lineslots.js';
import { sourceOf } from '../table/files.js';
import { normalizeTypes, parseTypeOverrides } from '../table/infer.js';
import type { Manifest, SourceFile } from '../table/manifest.js';
import { OP } from '../table/snapshot.js';
import { quoteIdent } from '../engine/quote.js';
import { requireFormat, validateTableName } from '../table/schema.js';
import { CONFIG_FILE, linesDir, type RepoContext } from './context.js';
import { stageScripts } from './scripts.js';
import { readManifest, readTableTree, writeManifest } from './tree.js';
import { markResolved } from './merge/state.js';
import { dropWork, loadWorkingFile, relativeToRoot } from './worktree.js';

export interface AddOptions {
  paths: string[];
  cwd: string;
  key?: string[];
  name?: string;
  keyless?: boolean;
  /** `--type col=TYPE` as given: fixes those columns' types for every later read of the file. */
  types?: string[];
  onProgress?: (label: string, done: number, total: number, unit?: string) => void;
}

export interface AddResult {
  staged: string[];
  unchanged: string[];
  removed: string[];
}

/** `add`: start tracking files, or stage the current rows of tracked ones. */
export async function add(ctx: RepoContext, opts: AddOptions): Promise<AddResult> {
  if (opts.key?.length && opts.keyless)
    throw new UsageError('--key and --keyless exclude each other', {}, 'a table has a primary key or none');
  return ctx.locked(async () => {
    const index = await ctx.staging.read();
    const result: AddResult = { staged: [], unchanged: [], removed: [] };
    const everything = opts.paths.some((p) => p === '.' || p === '-A');
    if (everything) {
      await stageAll(ctx, index, result, opts);
    }
    for (const given of opts.paths.filter((p) => p !== '.' && p !== '-A')) {
      await addOne(ctx, index, given, opts, result);
    }
    await ctx.staging.write(index);
    // Mid-merge, adding a table takes its working file as the resolution of its conflicts.
    await markResolved(ctx, [...result.staged, ...result.unchanged, ...result.removed]);
    return result;
  });
}

/** Stage every tracked table and a tracked lakegit.yaml: `add -A`, `commit -a`. Caller holds the lock. */
export async function stageAll(
  ctx: RepoContext,
  index: StagingIndex,
  result: AddResult,
  opts: Pick<AddOptions, 'onProgress'> = {},
): Promise<void> {
  for (const [name, entry] of Object.entries(index.tables)) {
    const st = await statFile(ctx.abs(entry.file));
    if (!st) {
      delete index.tables[name];
      result.removed.push(name);
      continue;
    }
    (await stageTracked(ctx, index, name, opts)) ? result.staged.push(name) : result.unchanged.push(name);
  }
  if (index.config) await stageConfig(ctx, index);
}

async function addOne(ctx: RepoContext, index: StagingIndex, given: string, opts: AddOptions, result: AddResult): Promise<void> {
  const rel = relativeToRoot(ctx, given, opts.cwd);
  if (rel === CONFIG_FILE) {
    await stageConfig(ctx, index);
    result.staged.push(CONFIG_FILE);
    return;
  }
  const tracked = Object.entries(index.tables).find(([name, e]) => e.file === rel || (name === given && !opts.name));
  if (tracked && (!opts.name || opts.name === tracked[0])) {
    if (opts.key && JSON.stringify(opts.key) !== JSON.stringify((await readManifest(ctx, tracked[1].manifest)).key)) {
      throw new InvalidKey(`table '${tracked[0]}' already has a key; changing it is not supported`, { table: tracked[0] });
    }
    if (!(await statFile(ctx.abs(tracked[1].file)))) {
      delete index.tables[tracked[0]];
      result.removed.push(tracked[0]);
      return;
    }
    (await stageTracked(ctx, index, tracked[0], opts, await typesOf(ctx, opts)))
      ? result.staged.push(tracked[0])
      : result.unchanged.push(tracked[0]);
    return;
  }
  const name = validateTableName(opts.name ?? path.basename(rel, path.extname(rel)));
  if (index.tables[name]) {
    throw new AlreadyExists(
      'table',
      name,
      `a table named '${name}' is already tracked (from '${index.tables[name].file}')`,
      'pass --name to choose another name',
    );
  }
  await trackNew(ctx, index, name, rel, opts);
  result.staged.push(name);
}

async function trackNew(ctx: RepoContext, index: StagingIndex, name: string, file: string, opts: AddOptions): Promise<void> {
  const format = requireFormat(file);
  if (!opts.key && !opts.keyless) {
    throw new InvalidKey(`table '${name}' needs a primary key`, { table: name }, `pass --key <column>[,<column>] or --keyless`);
  }
  const engine = await ctx.engine();
  const types = await typesOf(ctx, opts);
  const loaded = await loadWorkingFile(ctx, engine, file, format, undefined, opts.key, types).catch(async (e) => {
    // A key column that does not exist fails the sorted load: report it as a key problem.
    if (opts.key) await validateKeyColumns(engine, ctx.abs(file), file, format, opts.key);
    throw e;
  });
  try {
    if (opts.key) await validateKey(engine, loaded.work, loaded.columns, opts.key, file);
    const manifest = await chunkFresh(
      engine,
      ctx.chunks,
      {
        work: loaded.work,
        columns: loaded.columns,
        key: opts.key ?? null,
        source: withTypes(sourceOf(file, ctx.abs(file), format), types),
        chunking: DEFAULT_CHUNKING,
        sorted: !!opts.key,
      },
      (d, t) => opts.onProgress?.(`chunking ${name}`, d, t, 'rows'),
    );
    index.tables[name] = { manifest: await writeManifest(ctx, manifest), file, stat: loaded.stat };
  } finally {
    await dropWork(engine, loaded.work);
  }
}

/** Re-read a tracked table's file if it may have changed; returns whether the staged manifest moved. */
export async function stageTracked(
  ctx: RepoContext,
  index: StagingIndex,
  name: string,
  opts: Pick<AddOptions, 'onProgress'> = {},
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

/** The cheap path: only the lines whose hash is new are parsed (see src/table/lineindex.ts). */
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

/** The `--type` overrides of an `add`, checked by DuckDB; undefined when none were given. */
async function typesOf(ctx: RepoContext, opts: Pick<AddOptions, 'types'>): Promise<Record<string, string> | undefined> {
  if (!opts.types?.length) return undefined;
  return normalizeTypes(await ctx.engine(), parseTypeOverrides(opts.types));
}

const withTypes = (source: SourceFile, types: Record<string, string> | undefined): SourceFile =>
  types && Object.keys(types).length ? { ...source, types } : source;

async function stageConfig(ctx: RepoContext, index: StagingIndex): Promise<void> {
  const text = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
  if (text === undefined) {
    delete index.config;
    return;
  }
  const scripts = await stageScripts(ctx, text);
  index.config = { blob: await ctx.git.writeBlob(text), ...(scripts ? { scripts } : {}) };
}

/** `rm`: stop tracking a table; delete its file unless `cached`. */
export async function remove(ctx: RepoContext, table: string, cached: boolean, force = false): Promise<void> {
  await ctx.locked(async () => {
    const index = await ctx.staging.read();
    const entry = index.tables[table];
    if (!entry) throw new UnknownTable(table, undefined, { message: `no table '${table}' is tracked` });
    // As git rm: deleting a file whose rows are not all committed would lose them.
    if (
      !cached &&
      !force &&
      (await dirtyTables(ctx, index, await readTableTree(ctx, await ctx.git.resolveRef('HEAD')), [table])).has(table)
    ) {
      throw new WouldOverwrite(
        `'${entry.file}' has changes that are not committed`,
        { table },
        'commit them first, keep the file with --cached, or delete it anyway with --force',
      );
    }
    delete index.tables[table];
    await ctx.staging.write(index);
    if (!cached) await fsp.rm(ctx.abs(entry.file), { force: true });
    await markResolved(ctx, [table]);
  });
}

/** `mv`: rename a table; its chunks and file stay as they are. */
export async function rename(ctx: RepoContext, from: string, to: string): Promise<void> {
  await ctx.locked(async () => {
    const index = await ctx.staging.read();
    const entry = index.tables[from];
    if (!entry) throw new UnknownTable(from, undefined, { message: `no table '${from}' is tracked` });
    validateTableName(to);
    if (index.tables[to]) throw new AlreadyExists('table', to);
    delete index.tables[from];
    index.tables[to] = entry;
    await ctx.staging.write(index);
  });
}

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
